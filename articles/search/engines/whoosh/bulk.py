"""A full rebuild of the Whoosh index, beside the one serving.

Word segmentation and the writing of postings dominate the cost of a
document and are bound to one core per process: each worker reads its share
of the articles, prepares their documents (``articles.search.index.document``)
and writes them as a segment of its own (``compat.SegmentBuilder``: the
bytes Whoosh's writer writes, without its pool) into a new generation
(``generations``); the parent lists the segments in the index's table of
contents, applies the edits made meanwhile and switches. Searches read the
old generation, whole, until then.
"""

from __future__ import annotations

import gc
import multiprocessing
import os
import resource
import time
from collections.abc import Callable, Iterator, Sequence
from pathlib import Path

from django.db import connections
from whoosh.filedb.filestore import FileStorage

from articles.search.engines.base import BuildReport
from articles.search.engines.progress import Progress
from articles.search.engines.whoosh import checksums, compat
from articles.search.engines.whoosh.engine import WhooshEngine, document_key
from articles.search.engines.whoosh.schema import DJANGO_ID, ID
from articles.search.engines.whoosh.snapshot import Snapshot
from articles.search.engines.whoosh.store import LRU, DecodedStore

# Articles a worker reads from the database at a time: each batch's
# analyses are large and short-lived, and smaller batches keep the worker's
# heap small (measured: 5,000 articles prepared peak at 448 MB with 100, 329 MB with 25).
BATCH = 25
# Documents per segment, at most: a worker holds its segment's postings in
# memory until it writes them (about 170 MB per 5,000 articles).
SEGMENT_DOCS = 5_000
WARM_CACHE_BYTES = 64 * 1024 * 1024


def cpu_seconds() -> float:
    own = resource.getrusage(resource.RUSAGE_SELF)
    children = resource.getrusage(resource.RUSAGE_CHILDREN)
    return own.ru_utime + own.ru_stime + children.ru_utime + children.ru_stime


def peak_memory_mb(workers: int) -> float:
    """This process's peak plus ``workers`` times the largest finished child's."""
    own = resource.getrusage(resource.RUSAGE_SELF).ru_maxrss
    child = resource.getrusage(resource.RUSAGE_CHILDREN).ru_maxrss
    return (own + workers * child) / 1024  # kilobytes on Linux


def resident_mb(pids: Sequence[int]) -> float:
    """The memory the processes ``pids`` hold together now (Linux PSS: pages
    shared between them, as a forked worker shares its parent's, counted once)."""
    total_kb = 0
    for pid in pids:
        try:
            text = Path(f"/proc/{pid}/smaps_rollup").read_text()
        except OSError:
            continue
        for line in text.splitlines():
            if line.startswith("Pss:"):
                total_kb += int(line.split()[1])
                break
    return total_kb / 1024


def _family() -> list[int]:
    """This process and its children (the pool's workers, which the pool's
    own threads start: each thread's children are listed apart)."""
    pid = os.getpid()
    children: list[int] = []
    for task in Path(f"/proc/{pid}/task").glob("*"):
        try:
            children += map(int, (task / "children").read_text().split())
        except OSError:
            continue
    return [pid, *children]


def index_size(path: str | Path) -> int:
    return sum(p.stat().st_size for p in Path(path).rglob("*") if p.is_file())


def _prepare(ids: Sequence[int]) -> list[dict]:
    """The documents of some articles."""
    from articles.search.index.document import documents, indexable

    return documents(indexable().filter(pk__in=ids).order_by("pk"))


def _jobs(ids: list[int], size: int) -> Iterator[list[int]]:
    for start in range(0, len(ids), size):
        yield ids[start : start + size]


# What a worker needs, inherited when the pool forks (not pickled per job).
_job_context: dict = {}


def _write_segment(ids: list[int]):
    """A worker's job: one segment holding the articles ``ids``."""
    engine, target, done = (_job_context[k] for k in ("engine", "target", "done"))
    index = FileStorage(str(target)).open_index(schema=engine.schema)
    builder = compat.SegmentBuilder(index)
    for batch in _jobs(ids, BATCH):
        documents = _prepare(batch)
        for document in documents:
            builder.add_document(engine.whoosh_fields(document))
        with done.get_lock():
            done.value += len(documents)
    return builder.finish()


def _segment_size(count: int, workers: int, most: int) -> int:
    """Jobs small enough to keep every worker busy, segments at most ``most``."""
    per_worker = -(-count // workers) if count else 1
    return max(1, min(most, per_worker))


def build(
    engine: WhooshEngine,
    ids: list[int],
    *,
    workers: int = 2,
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
        # The workers share the parent's objects until they write to them, and
        # a garbage collection in a worker writes to every one it tracks:
        # frozen, they stay shared (and counted once) in every worker.
        gc.freeze()
        context = multiprocessing.get_context("fork")
        done = context.Value("q", 0)
        _job_context.update(engine=engine, target=target, done=done)
        size = _segment_size(len(ids), workers, segment_docs)
        finishing = False
        resident = 0.0
        try:
            with context.Pool(workers, maxtasksperchild=1) as pool:
                pending = [pool.apply_async(_write_segment, (job,)) for job in _jobs(ids, size)]
                while not all(job.ready() for job in pending):
                    time.sleep(0.5)
                    resident = max(resident, resident_mb(_family()))
                    progress.update(done.value)
                    if done.value == len(ids) and log and not finishing:
                        finishing = True
                        log("  các tiến trình đang ghi xong phân đoạn của mình …")
                # In the order of the articles (a worker's error is raised here).
                segments = [job.get() for job in pending]
        finally:
            gc.unfreeze()
            _job_context.clear()
        progress.update(len(ids))
        workers_done = time.perf_counter()
        # Listing the workers' segments is the whole commit (public API: a
        # merge policy returns the segments the new table of contents holds).
        index.writer().commit(mergetype=lambda writer, existing: existing + segments)
        committed = time.perf_counter()
        warmed = _warm(engine, index, target)
        warm_done = time.perf_counter()
        if log and warmed:
            log(f"  đã làm sẵn {warmed} tra cứu chậm của chỉ mục đang phục vụ")
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
        segments=len(segments),
        cpu_seconds=cpu_seconds() - cpu_started,
        # Sampled twice a second while the workers run; after them the parent alone.
        memory_mb=max(resident, resource.getrusage(resource.RUSAGE_SELF).ru_maxrss / 1024),
        # The earlier, cruder figure: every worker's peak RSS counted whole.
        timings={
            "memory_upper_bound_mb": peak_memory_mb(workers),
            "workers_seconds": workers_done - started,
            "commit_seconds": committed - workers_done,
            "warm_seconds": warm_done - committed,
            "switch_seconds": time.perf_counter() - warm_done,
        },
    )


# How much of what readers found slow is done again before the switch.
WARM_LOOKUPS = 1000
WARM_SECONDS = 180.0


def _warm(engine: WhooshEngine, index, target: Path) -> int:
    """Do on the new generation the lookups the serving one found slow (its
    decoded store noted them), so that the first searches after the switch
    find them decoded on disk, as they were before it."""
    serving = engine.generations.current_name()
    if serving is None:
        return 0
    wanted = DecodedStore(engine.generations.root / serving).wanted(WARM_LOOKUPS)
    deadline, done = time.monotonic() + WARM_SECONDS, 0
    with index.searcher() as searcher:
        decoded = DecodedStore(target)
        # Kept whatever it costs here: it was slow on the serving generation.
        snapshot = Snapshot(searcher, {}, LRU(WARM_CACHE_BYTES), decoded, keep_all=True)
        for kind, fieldname, value in wanted:
            if time.monotonic() > deadline:
                break
            if kind == "term":
                snapshot.postings(fieldname, value)
            elif kind == "phrase":
                snapshot.phrase_docs(fieldname, value)
            done += 1
    return done


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
