"""Comparing the search index with the database, and repairing differences.

The index queue (``articles.search.index.queue``) keeps the two in step in
normal operation; this is the check and the repair for everything else: an
index copied from elsewhere, a crash, a manual edit of the database.
"""

from __future__ import annotations

from collections.abc import Callable, Iterable, Iterator
from dataclasses import dataclass

from articles.models import Article
from articles.search.engines import get_engine
from articles.search.engines.base import SearchUnavailable
from articles.search.index.document import document_version, documents
from articles.search.index.queue import drain, pending_count

BATCH = 500


@dataclass
class IndexDiff:
    database: int  # published articles in the database
    indexed: int  # documents in the index
    missing: list[int]  # published, not in the index
    extra: list[int]  # in the index, not published
    pending: int  # queued changes not applied yet

    @property
    def in_sync(self) -> bool:
        return not self.missing and not self.extra


@dataclass
class SyncReport:
    added: int = 0
    removed: int = 0
    reindexed: int = 0
    drained: int = 0


def indexed_ids() -> set[int]:
    """Article ids of the live documents in the index."""
    return get_engine().indexed_ids()


def published_ids() -> set[int]:
    return set(Article.objects.published().values_list("pk", flat=True))


def compare() -> IndexDiff:
    database, indexed = published_ids(), indexed_ids()
    return IndexDiff(
        database=len(database),
        indexed=len(indexed),
        missing=sorted(database - indexed),
        extra=sorted(indexed - database),
        pending=pending_count(),
    )


def damage() -> list[str]:
    """What is damaged in the index, after reading all of it back."""
    return get_engine().verify()


def _chunks(ids: Iterable[int], size: int = BATCH) -> Iterator[list[int]]:
    ids = list(ids)
    for start in range(0, len(ids), size):
        yield ids[start : start + size]


def repair(*, full: bool = False, timeout: float | None = None) -> SyncReport:
    """Make the index hold exactly the published articles.

    Applies the queue first, then compares and writes while holding the
    index's write lock, so no other writer commits in between; a change
    committed to the database meanwhile is queued and applied by its own
    process after we let go. Raises ``IndexLocked`` when the lock stays held
    longer than ``timeout``.
    """
    report = SyncReport(drained=drain(timeout=timeout))
    with get_engine().writer(timeout=timeout) as writer:
        database, indexed = published_ids(), indexed_ids()
        missing = database - indexed
        extra = indexed - database
        to_write = database if full else missing
        published = Article.objects.published().with_relations()
        for batch in _chunks(sorted(to_write)):
            report.reindexed += writer.add(documents(published.filter(pk__in=batch)))
        writer.delete(sorted(extra))
    report.added = len(missing)
    report.removed = len(extra)
    return report


# Above this many articles missing, a rebuild (all cores) beats adding them one writer.
REBUILD_ABOVE = 2000


def bring_up_to_date(
    *, workers: int = 2, log: Callable[[str], None] | None = None, timeout: float | None = None
) -> str:
    """What ``scripts/serve`` runs at start: nothing to do on an index that is
    current; the changes only on one that is behind; a rebuild (beside the
    serving index) when it was made by other code or lacks most articles.
    Returns what was done, in Vietnamese."""
    engine = get_engine()
    version = document_version()
    diff, reason = _why_rebuild(engine.format_stamp(), version)
    if reason:
        ids = sorted(published_ids())
        report = engine.rebuild(ids, workers=workers, log=log, stamp=version)
        drain(timeout=timeout)
        took = f"{report.documents} bài trong {report.seconds:.0f} s"
        return f"Đã lập lại chỉ mục ({reason}): {took}."
    if diff is None or diff.in_sync:
        return f"Chỉ mục đã khớp với cơ sở dữ liệu ({diff.indexed} bài): không cần lập lại."
    report = repair(timeout=timeout)
    return f"Đã cập nhật chỉ mục: thêm {report.added}, xóa {report.removed}."


def _why_rebuild(stamp: str | None, version: str) -> tuple[IndexDiff | None, str]:
    """The index compared with the database, and why it must be rebuilt ("" if not)."""
    try:
        diff = compare()
    except SearchUnavailable as damage:
        return None, f"chỉ mục bị hỏng: {damage}"
    if stamp != version:
        return diff, "chỉ mục được tạo bởi phiên bản mã khác"
    if len(diff.missing) > REBUILD_ABOVE:
        return diff, f"chỉ mục thiếu {len(diff.missing)} bài"
    return diff, ""
