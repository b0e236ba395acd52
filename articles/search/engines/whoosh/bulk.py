"""A full rebuild of the Whoosh index, its analysis spread over worker processes.

Word segmentation dominates the cost of a document and is bound to one core
per process: workers read their share of the articles and prepare their
documents (``articles.search.index.document``), the parent writes them.
"""

from __future__ import annotations

import multiprocessing
import resource
import time
from collections.abc import Callable, Iterator, Sequence
from pathlib import Path

from django.db import connections

from articles.search.engines.base import BuildReport
from articles.search.engines.whoosh.engine import WRITE_RETRY_DELAY, WhooshEngine

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
) -> BuildReport:
    """Replace the index's documents with those of the articles ``ids``."""
    started, cpu_started = time.perf_counter(), cpu_seconds()
    engine.clear()
    workers = max(1, workers)
    # Worker processes open their own database connections.
    connections.close_all()
    writer, written, segments = None, 0, 0
    context = multiprocessing.get_context("fork")
    with context.Pool(workers) as pool:
        for documents in pool.imap(_prepare, _jobs(ids, job_size)):
            if writer is None:
                writer = engine.index().writer(delay=WRITE_RETRY_DELAY, compound=False)
            for document in documents:
                writer.add_document(**engine.whoosh_fields(document))
            written += len(documents)
            if written >= (segments + 1) * segment_docs:
                writer.commit(merge=False)
                writer, segments = None, segments + 1
            if log and written % max(len(ids) // 20, job_size) < job_size:
                log(f"  … {written}/{len(ids)} bài ({time.perf_counter() - started:.0f} s)")
    if writer is not None:
        writer.commit(merge=False)
        segments += 1
    engine.close()
    return BuildReport(
        documents=engine.doc_count(),
        seconds=time.perf_counter() - started,
        workers=workers,
        index_bytes=index_size(engine.path),
        segments=segments,
        cpu_seconds=cpu_seconds() - cpu_started,
    )
