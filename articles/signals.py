"""Signals: every change to what the index holds is queued for it, cached
reference lists are dropped when they change, and a rebuilt index being
warmed in this process gives way to the requests it answers."""

from django.core.signals import request_finished, request_started
from django.db import transaction
from django.db.models.signals import m2m_changed, post_delete, post_save, pre_delete

from articles.models import Abbreviation, Article, IctField, Province
from articles.search.engines.whoosh.warming import answering
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


# -- cached reference tables (articles.caching) ----------------------------------
# Every cache of a table is dropped here, whoever changed it (the admin, a
# command, a shell): now, and again after the commit, so that no request
# reads the half-saved table into the cache.


def _forget(*forgetters):
    def receiver(sender, **kwargs) -> None:
        for forget in forgetters:
            forget()
            transaction.on_commit(forget)

    return receiver


def _forget_reference_lists() -> None:
    from articles.search.service import forget_reference_lists

    forget_reference_lists()


def _forget_provinces() -> None:
    from articles import provinces

    provinces.forget()


def _forget_abbreviations() -> None:
    from articles.search.query import forget_abbreviations

    forget_abbreviations()


_CACHES = {
    Province: _forget(_forget_reference_lists, _forget_provinces),
    IctField: _forget(_forget_reference_lists),
    Abbreviation: _forget(_forget_abbreviations),
}
for _model, _receiver in _CACHES.items():
    _name = _model.__name__
    post_save.connect(_receiver, sender=_model, weak=False, dispatch_uid=f"cache-{_name}")
    post_delete.connect(_receiver, sender=_model, weak=False, dispatch_uid=f"cache-del-{_name}")

request_started.connect(answering.started, dispatch_uid="warming-gives-way")
request_finished.connect(answering.finished, dispatch_uid="warming-goes-on")
