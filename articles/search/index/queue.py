"""The one path by which changes reach the search index.

1. Any change to an article (save, delete, a bulk ``update()``, its fields
   changing, its province renamed) writes an ``IndexQueueEntry`` row in the
   same database transaction. A rolled-back change leaves no row.
2. After the transaction commits, ``drain()`` runs in that process: it takes
   the index's write lock (waiting up to ``PORTAL_INDEX_LOCK_TIMEOUT``), applies
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
from django.db import close_old_connections, transaction
from django.db.models.signals import post_delete, post_save
from haystack.signals import BaseSignalProcessor

from articles.models import Article, IndexQueueEntry, rows_updated
from articles.search.engines import get_engine
from articles.search.engines.base import IndexLocked
from articles.search.index.document import documents

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


def drain(timeout: float | None = None) -> int:
    """Apply queued changes to the index; return how many rows were applied.

    Returns early, leaving the rows queued, when another process holds the
    write lock for longer than ``timeout``.
    """
    if timeout is None:
        timeout = settings.PORTAL_INDEX_LOCK_TIMEOUT
    engine = get_engine()
    applied = 0
    while True:
        rows = list(IndexQueueEntry.objects.order_by("pk").values_list("pk", "article_id")[:BATCH])
        if not rows:
            return applied
        ids = {article_id for _, article_id in rows}
        try:
            writer = engine.writer(timeout=timeout)
        except IndexLocked:
            logger.info("Index locked by another process; %d changes left queued", len(rows))
            return applied
        with writer:
            articles = list(Article.objects.published().with_relations().filter(pk__in=ids))
            writer.add(documents(articles))
            present = {a.pk for a in articles}
            writer.delete([i for i in ids if i not in present])
        IndexQueueEntry.objects.filter(pk__in=[pk for pk, _ in rows]).delete()
        applied += len(rows)


def pending_count() -> int:
    return IndexQueueEntry.objects.count()


class QueuedSignalProcessor(BaseSignalProcessor):
    """haystack's hook: article saves and deletes go through the queue."""

    def setup(self) -> None:
        post_save.connect(self.handle_save, sender=Article, dispatch_uid="index-article-save")
        post_delete.connect(self.handle_delete, sender=Article, dispatch_uid="index-article-del")
        rows_updated.connect(self.handle_update, sender=Article, dispatch_uid="index-article-upd")

    def teardown(self) -> None:
        post_save.disconnect(sender=Article, dispatch_uid="index-article-save")
        post_delete.disconnect(sender=Article, dispatch_uid="index-article-del")
        rows_updated.disconnect(sender=Article, dispatch_uid="index-article-upd")

    def handle_save(self, sender, instance, **kwargs) -> None:
        if kwargs.get("raw"):
            return
        queue_for_index([instance.pk])

    def handle_delete(self, sender, instance, **kwargs) -> None:
        queue_for_index([instance.pk])

    def handle_update(self, sender, ids, **kwargs) -> None:
        queue_for_index(ids)


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
