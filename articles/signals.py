"""Model signals: every change to what the index holds is queued for it,
and cached reference lists are dropped when they change."""

from django.db import transaction
from django.db.models.signals import m2m_changed, post_delete, post_save, pre_delete

from articles.models import Article, IctField, Province
from articles.search.index.queue import queue_for_index


def _queue_related(sender, instance, created=False, **kwargs) -> None:
    # A renamed province or field changes the documents of its articles.
    if created or kwargs.get("raw"):
        return
    queue_for_index(list(instance.articles.values_list("pk", flat=True)))


def _queue_m2m(sender, instance, action, pk_set=None, reverse=False, **kwargs) -> None:
    if action not in {"post_add", "post_remove", "post_clear"}:
        return
    if reverse:
        # field.articles.add(...): the articles are in pk_set, or all of them on clear.
        ids = list(pk_set) if pk_set else list(instance.articles.values_list("pk", flat=True))
        queue_for_index(ids)
    else:
        queue_for_index([instance.pk])


def _queue_duplicates(sender, instance, **kwargs) -> None:
    # Deleting a kept article frees its duplicates (duplicate_of is SET_NULL
    # in SQL, without signals): they become visible and must be indexed.
    queue_for_index(list(instance.duplicates.values_list("pk", flat=True)))


pre_delete.connect(_queue_duplicates, sender=Article, dispatch_uid="index-article-duplicates")
post_save.connect(_queue_related, sender=Province, dispatch_uid="index-province")
post_save.connect(_queue_related, sender=IctField, dispatch_uid="index-ictfield")
m2m_changed.connect(_queue_m2m, sender=Article.fields.through, dispatch_uid="index-article-fields")


def _forget_reference_lists(sender, **kwargs) -> None:
    from articles.search.service import forget_reference_lists

    # Forget now and again after the commit, so that no page reads the
    # half-saved table into the cache.
    forget_reference_lists()
    transaction.on_commit(forget_reference_lists)


for _model in (Province, IctField):
    _name = _model.__name__
    post_save.connect(_forget_reference_lists, sender=_model, dispatch_uid=f"lists-{_name}")
    post_delete.connect(_forget_reference_lists, sender=_model, dispatch_uid=f"lists-del-{_name}")
