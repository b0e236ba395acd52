"""A full rebuild of the Whoosh index, beside the one serving.

Word segmentation dominates the cost of a document and is bound to one core
per process: workers read their share of the articles and prepare their
documents (``articles.search.index.document``), the parent writes them into
a new generation (``generations``), applies the edits made meanwhile and
switches; searches read the old generation, whole, until then.
"""

from __future__ import annotations

import multiprocessing
import resource
import time
from collections.abc import Callable, Iterator, Sequence
from pathlib import Path

from django.db import connections
from whoosh.filedb.filestore import FileStorage

from articles.search.engines.base import BuildReport
from articles.search.engines.whoosh import checksums
from articles.search.engines.whoosh.engine import WhooshEngine, document_key
from articles.search.engines.whoosh.schema import DJANGO_ID, ID

JOB_SIZE = 100  # articles per job handed to a worker
SEGMENT_DOCS = 10_000  # documents per segment written


def cpu_seconds() -> float:
    own = resource.getrusage(resource.RUSAGE_SELF)
    children = resource.getrusage(resource.RUSAGE_CHILDREN)
    return own.ru_utime + own.ru_stime + children.ru_utime + children.ru_stime


def index_size(path: str | Path) -> int:
    return sum(p.stat().st_size for p in Path(path).rglob("*") if p.is_file())


def _prepare(ids: Sequence[int]) -> list[dict]:
    """A worker's job: the documents of some articles."""
    from articles.search.index.document import documents, indexable

    return documents(indexable().filter(pk__in=ids).order_by("pk"))


def _jobs(ids: list[int], size: int) -> Iterator[list[int]]:
    for start in range(0, len(ids), size):
        yield ids[start : start + size]


def build(
    engine: WhooshEngine,
    ids: list[int],
    *,
    workers: int = 2,
    job_size: int = JOB_SIZE,
    segment_docs: int = SEGMENT_DOCS,
    log: Callable[[str], None] | None = None,
    stamp: str = "",
) -> BuildReport:
    """A new generation holding the articles ``ids``, written beside the
    serving one and switched to when complete (``generations``)."""
    started, cpu_started = time.perf_counter(), cpu_seconds()
    workers = max(1, workers)
    progress = Progress(len(ids), log)
    with engine.generations.building() as target:
        index = FileStorage(str(target)).create_index(engine.schema)
        # Worker processes open their own database connections.
        connections.close_all()
        writer, written, segments = None, 0, 0
        context = multiprocessing.get_context("fork")
        with context.Pool(workers) as pool:
            for documents in pool.imap(_prepare, _jobs(ids, job_size)):
                if writer is None:
                    writer = index.writer(compound=False)
                for document in documents:
                    writer.add_document(**engine.whoosh_fields(document))
                written += len(documents)
                progress.update(written)
                if written >= (segments + 1) * segment_docs:
                    writer.commit(merge=False)
                    writer, segments = None, segments + 1
        if writer is not None:
            writer.commit(merge=False)
            segments += 1
        # Edits committed meanwhile went to the serving generation and its
        # journal: apply them here, the last ones under the write lock.
        offset = _catch_up(engine, index, target, 0)
        with engine.generations.write_lock(None):
            _catch_up(engine, index, target, offset)
            checksums.record(target)
            previous = engine.generations.current_name()
            engine.generations.switch(target, stamp)
        documents_now = index.doc_count()
        size = index_size(target)
    engine.close()
    engine.generations.cleanup(keep_previous=previous)
    return BuildReport(
        documents=documents_now,
        seconds=time.perf_counter() - started,
        workers=workers,
        index_bytes=size,
        segments=segments,
        cpu_seconds=cpu_seconds() - cpu_started,
    )


def _catch_up(engine: WhooshEngine, index, target: Path, offset: int) -> int:
    """Apply the journaled changes after ``offset`` to the new generation."""
    from articles.search.index.document import documents, indexable

    while True:
        changed, offset = engine.generations.read_journal(target, offset)
        if not changed:
            return offset
        writer = index.writer(compound=False)
        present = set()
        for document in documents(indexable().filter(pk__in=changed)):
            fields = engine.whoosh_fields(document)
            writer.update_document(**fields)
            present.add(int(fields[DJANGO_ID]))
        for pk in changed - present:
            writer.delete_by_term(ID, document_key(pk))
        writer.commit(merge=False)


class Progress:
    """A line every few seconds: done, total, rate and the time left."""

    def __init__(self, total: int, log: Callable[[str], None] | None, every: float = 5.0):
        self.total, self.log, self.every = total, log, every
        self.started = self.shown = time.perf_counter()

    def update(self, done: int) -> None:
        now = time.perf_counter()
        if self.log is None or (now - self.shown < self.every and done < self.total):
            return
        self.shown = now
        elapsed = now - self.started
        rate = done / elapsed if elapsed > 0 else 0.0
        left = (self.total - done) / rate if rate else 0.0
        width = 30
        filled = int(width * done / self.total) if self.total else width
        bar = "#" * filled + "." * (width - filled)
        self.log(
            f"  [{bar}] {done}/{self.total} bài, {rate:.0f} bài/s, "
            f"đã chạy {elapsed:.0f} s, còn khoảng {left:.0f} s"
        )
