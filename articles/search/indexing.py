"""The one path by which changes reach the search index.

1. Any change to an article (save, delete, a bulk ``update()``, its fields
   changing, its province renamed) writes an ``IndexQueueEntry`` row in the
   same database transaction. A rolled-back change leaves no row.
2. After the transaction commits, ``drain()`` runs in that process: it takes
   Whoosh's write lock (waiting up to ``PORTAL_INDEX_LOCK_TIMEOUT``), applies
   every queued row (re-reading each article from the published queryset, so
   the index always holds the committed state) and deletes the rows it
   applied.
3. If the lock stays held (another worker writing), the rows simply wait:
   the holder drains the queue before it lets go, and a light keeper thread
   in each web worker retries every second. ``manage.py sync_index`` compares
   database and index and repairs any difference.

Applying a row twice is harmless, so a crash between index commit and row
deletion costs nothing but a repeat.
"""

from __future__ import annotations

import logging
import threading
import time
from collections.abc import Iterable
from contextlib import contextmanager

from django.conf import settings
from django.db import transaction
from django.db.models.signals import post_delete, post_save
from haystack import connections
from haystack.signals import BaseSignalProcessor

logger = logging.getLogger(__name__)

_state = threading.local()
BATCH = 500


def _deferred() -> bool:
    return getattr(_state, "deferred", 0) > 0


@contextmanager
def indexing_deferred():
    """Queue changes but do not drain after each commit (bulk imports)."""
    _state.deferred = getattr(_state, "deferred", 0) + 1
    try:
        yield
    finally:
        _state.deferred -= 1


def queue_for_index(article_ids: Iterable[int]) -> None:
    from articles.models import IndexQueueEntry

    ids = sorted({int(i) for i in article_ids if i is not None})
    if not ids:
        return
    IndexQueueEntry.objects.bulk_create([IndexQueueEntry(article_id=i) for i in ids])
    if not _deferred():
        transaction.on_commit(_drain_after_commit)


def _drain_after_commit() -> None:
    try:
        drain()
    except Exception:  # the rows stay queued; the keeper or sync_index applies them
        logger.exception("Index update deferred: could not drain the queue now")


def get_backend():
    return connections["default"].get_backend()


def get_article_index():
    from articles.models import Article

    return connections["default"].get_unified_index().get_index(Article)


def drain(timeout: float | None = None) -> int:
    """Apply queued changes to the index; return how many rows were applied.

    Returns early, leaving the rows queued, when another process holds the
    write lock for longer than ``timeout``.
    """
    from whoosh.index import LockError

    from articles.models import Article, IndexQueueEntry

    if timeout is None:
        timeout = settings.PORTAL_INDEX_LOCK_TIMEOUT
    backend = get_backend()
    index = get_article_index()
    applied = 0
    while True:
        rows = list(IndexQueueEntry.objects.order_by("pk").values_list("pk", "article_id")[:BATCH])
        if not rows:
            return applied
        ids = {article_id for _, article_id in rows}
        try:
            writer = backend.open_writer(timeout=timeout)
        except LockError:
            logger.info("Index locked by another process; %d changes left queued", len(rows))
            return applied
        try:
            articles = list(Article.objects.published().with_relations().filter(pk__in=ids))
            backend.write_documents(writer, index, articles)
            present = {a.pk for a in articles}
            backend.delete_documents(writer, [i for i in ids if i not in present])
            writer.commit()
        except BaseException:
            writer.cancel()
            raise
        IndexQueueEntry.objects.filter(pk__in=[pk for pk, _ in rows]).delete()
        applied += len(rows)


def pending_count() -> int:
    from articles.models import IndexQueueEntry

    return IndexQueueEntry.objects.count()


class QueuedSignalProcessor(BaseSignalProcessor):
    """haystack's hook: article saves and deletes go through the queue."""

    def setup(self) -> None:
        from articles.models import Article

        post_save.connect(self.handle_save, sender=Article, dispatch_uid="index-article-save")
        post_delete.connect(self.handle_delete, sender=Article, dispatch_uid="index-article-del")

    def teardown(self) -> None:
        from articles.models import Article

        post_save.disconnect(sender=Article, dispatch_uid="index-article-save")
        post_delete.disconnect(sender=Article, dispatch_uid="index-article-del")

    def handle_save(self, sender, instance, **kwargs) -> None:
        if kwargs.get("raw"):
            return
        queue_for_index([instance.pk])

    def handle_delete(self, sender, instance, **kwargs) -> None:
        queue_for_index([instance.pk])


class IndexKeeper(threading.Thread):
    """Retries queued changes every second in a web worker.

    The drain after commit handles nearly everything; this covers a change
    whose drain found the lock held past its timeout.
    """

    daemon = True

    def __init__(self, interval: float = 1.0) -> None:
        super().__init__(name="index-keeper")
        self.interval = interval

    def run(self) -> None:
        from django.db import close_old_connections

        while True:
            time.sleep(self.interval)
            try:
                if pending_count():
                    drain(timeout=0.5)
            except Exception:
                logger.exception("Index keeper could not drain the queue")
            finally:
                close_old_connections()


_keeper: IndexKeeper | None = None
_keeper_lock = threading.Lock()


def start_keeper() -> None:
    global _keeper
    with _keeper_lock:
        if _keeper is None or not _keeper.is_alive():
            _keeper = IndexKeeper()
            _keeper.start()
