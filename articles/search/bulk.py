"""A full rebuild of the search index, on every core.

Word segmentation (pyvi) dominates the cost of a document and is bound to
one core per process, so the build runs in worker processes. Each worker
reads its share of the articles from the database, prepares their documents
exactly as the incremental path does (``backend.document_fields``, i.e.
``ArticleIndex.full_prepare``) and writes them into Whoosh segments of its
own; the parent holds the write lock, hands out article ids and, at the
end, commits the workers' segments together (Whoosh's multi-segment
writer). Whoosh's own work (about a third of a document's CPU time here:
turning tokens into postings, sorting and writing them) is thus spread over
the workers too instead of queuing behind one writer process. Nothing is
merged afterwards: merging rewrites every posting in pure Python, about as
long as writing them in the first place.
"""

from __future__ import annotations

import logging
import queue
import resource
import string
import time
from collections.abc import Callable
from dataclasses import dataclass, field
from functools import lru_cache
from pathlib import Path

from django.db import connections
from whoosh.multiproc import MpWriter, SubWriterTask
from whoosh.writing import SegmentWriter

from articles.search.indexing import get_article_index, get_backend

logger = logging.getLogger(__name__)

JOB_SIZE = 100  # articles per job handed to a worker
# A worker's posting buffer; a segment of 12,500 articles stays below it
# (about 11 million postings, ~3 GB resident while it is being sorted).
LIMIT_MB = 4096


@dataclass
class BuildReport:
    documents: int
    seconds: float
    workers: int
    index_bytes: int
    segments: int
    cpu_seconds: float = 0.0  # this process and its workers
    timings: dict[str, float] = field(default_factory=dict)

    def as_dict(self) -> dict:
        return {
            "documents": self.documents,
            "seconds": round(self.seconds, 2),
            "rate": round(self.rate, 2),
            "workers": self.workers,
            "index_bytes": self.index_bytes,
            "segments": self.segments,
            "cpu_seconds": round(self.cpu_seconds, 2),
            **{k: round(v, 2) for k, v in self.timings.items()},
        }

    @property
    def rate(self) -> float:
        return self.documents / self.seconds if self.seconds else 0.0

    def summary(self) -> str:
        return (
            f"Đã lập chỉ mục {self.documents} bài trong {self.seconds:.1f} s "
            f"({self.rate:.1f} bài/s, {self.workers} tiến trình, {self.segments} phân đoạn, "
            f"{self.index_bytes / 1024 / 1024:.0f} MB)."
        )


def _cpu_seconds() -> float:
    own = resource.getrusage(resource.RUSAGE_SELF)
    children = resource.getrusage(resource.RUSAGE_CHILDREN)
    return own.ru_utime + own.ru_stime + children.ru_utime + children.ru_stime


def index_size(path: str | Path) -> int:
    return sum(p.stat().st_size for p in Path(path).iterdir() if p.is_file())


# -- faster analysis, same output ----------------------------------------------
#
# Two changes to how the build's workers run the analysis, neither of which
# changes a single token (tests/test_synthetic.py compares both ways):
#
# - ``fold`` is pure and the archive has a few thousand distinct syllables:
#   each is folded once per worker.
# - pyvi builds the CRF features of every syllable in pure Python, looking
#   up the same lowercase forms and n-gram flags up to five times; the
#   version below computes each once and builds the same dictionaries (same
#   keys, values and order) for the same model, then joins the words the
#   way ``ViTokenizer.tokenize`` does.
#
# Both would serve the incremental path as well; they live here until they
# move into ``articles.analysis``.


def _pyvi_features(syllables: list[str]) -> list[dict]:
    from pyvi.ViTokenizer import ViTokenizer

    n = len(syllables)
    lower = [s.lower() for s in syllables]
    upper = [s.isupper() for s in syllables]
    title = [s.istitle() for s in syllables]
    digit = [s.isdigit() for s in syllables]
    bi, tri = ViTokenizer.bi_grams, ViTokenizer.tri_grams
    # bigram[i]: syllables i-1, i form a known word; trigram[i]: i-2 .. i.
    bigram = [False] + [(syllables[i - 1] + " " + syllables[i]).lower() in bi for i in range(1, n)]
    trigram = [False, False] + [
        (syllables[i - 2] + " " + syllables[i - 1] + " " + syllables[i]).lower() in tri
        for i in range(2, n)
    ]
    features = []
    for i in range(n):
        f = {
            "bias": 1.0,
            "word.lower()": lower[i],
            "word.isupper()": upper[i],
            "word.istitle()": title[i],
            "word.isdigit()": digit[i],
        }
        if i > 0:
            f["-1:word.lower()"] = lower[i - 1]
            f["-1:word.istitle()"] = title[i - 1]
            f["-1:word.isupper()"] = upper[i - 1]
            f["-1:word.bi_gram()"] = bigram[i]
            if i > 1:
                f["-2:word.tri_gram()"] = trigram[i]
        if i < n - 1:
            f["+1:word.lower()"] = lower[i + 1]
            f["+1:word.istitle()"] = title[i + 1]
            f["+1:word.isupper()"] = upper[i + 1]
            f["+1:word.bi_gram()"] = bigram[i + 1]
            if i < n - 2:
                f["+2:word.tri_gram()"] = trigram[i + 2]
        features.append(f)
    return features


def fast_tokenize(text: str) -> str:
    """``ViTokenizer.tokenize(text)``, with the features built once per syllable."""
    from pyvi.ViTokenizer import ViTokenizer

    _, syllables = ViTokenizer.sylabelize(text)
    if not syllables:
        return text
    labels = ViTokenizer.model.predict([_pyvi_features(syllables)])[0]
    punctuation = string.punctuation
    parts = [syllables[0]]
    for i in range(1, len(labels)):
        current, previous = syllables[i], syllables[i - 1]
        joined = (
            labels[i] == "I_W"
            and current not in punctuation
            and previous not in punctuation
            and not current[0].isdigit()
            and not previous[0].isdigit()
            and not (current[0].istitle() and not previous[0].istitle())
        )
        parts.append("_" if joined else " ")
        parts.append(current)
    return "".join(parts)


def use_fast_analysis() -> None:
    """Switch this process's analysis to the faster, identical functions."""
    from articles import analysis

    if not hasattr(analysis.fold, "cache_info"):
        analysis.fold = lru_cache(maxsize=1 << 16)(analysis.fold)
    analysis.segment("khởi động")  # loads pyvi
    analysis._tokenize = fast_tokenize


class _FieldLengths:
    """A segment's per-document field lengths, read once per field.

    Whoosh looks a document's field length up in a column file once per
    posting when it writes the postings out; a 50,000-document segment has
    tens of millions of postings but only a few hundred thousand lengths.
    """

    def __init__(self, reader, doc_count: int) -> None:
        self._reader = reader
        self._doc_count = doc_count
        self._field: str | None = None
        self._lengths: list[int] = []

    def doc_field_length(self, docnum: int, fieldname: str, default: int = 0) -> int:
        if fieldname != self._field:
            length = self._reader.doc_field_length
            self._lengths = [length(d, fieldname, default) for d in range(self._doc_count)]
            self._field = fieldname
        return self._lengths[docnum]

    def __getattr__(self, name):
        return getattr(self._reader, name)


class _BulkSegmentWriter(SegmentWriter):
    def per_document_reader(self):
        return _FieldLengths(super().per_document_reader(), self.docnum)


class _AnalysingTask(SubWriterTask):
    """A worker: article ids in, documents into segments of its own.

    A segment is closed every ``segment_docs`` documents so that its postings
    can be sorted in memory: past Whoosh's ``limitmb`` it spills sorted runs
    to disk and merges them back one pickled posting at a time, which costs
    more than the few extra segments cost searches.
    """

    segment_docs = 12_500  # set by the parent writer

    def run(self) -> None:
        use_fast_analysis()
        ix = self.storage.open_index(self.indexname)
        segments = []
        self.writer = None
        # Writers here never cancel or finish: that would delete the temporary
        # folder the other workers share. The parent's commit cleans up.
        while self.running:
            job = self.jobqueue.get()
            if job is None:
                break
            if self.writer is None:
                # The parent holds the index's write lock for all workers.
                self.writer = _BulkSegmentWriter(ix, _lk=False, **self.kwargs)
            self._process_file(*job)
            if self.writer.docnum >= self.segment_docs:
                segments.append(self.writer._finalize_segment())
                self.writer = None
        if self.running and self.writer is not None and self.writer.docnum:
            segments.append(self.writer._finalize_segment())
        self.resultqueue.put(segments)

    def _process_file(self, filename, doc_count):
        from whoosh.compat import pickle

        writer = self.writer
        tempstorage = writer.temp_storage()
        with tempstorage.open_file(filename).raw_file() as f:
            ids = [pickle.load(f)[1]["pk"] for _ in range(doc_count)]
        tempstorage.delete_file(filename)
        backend, index = get_backend(), get_article_index()
        articles = index.index_queryset().filter(pk__in=ids).order_by("pk")
        for article in articles:
            writer.add_document(**backend.document_fields(index, article))


class _ParallelWriter(MpWriter):
    """Whoosh's multi-process writer, with workers that analyse and segment."""

    segment_docs = 12_500

    def _new_task(self):
        task = _AnalysingTask(
            self.storage,
            self.indexname,
            self.jobqueue,
            self.resultqueue,
            self.subargs,
            multisegment=True,
        )
        task.segment_docs = self.segment_docs
        self.tasks.append(task)
        task.start()
        return task

    def _commit(self, mergetype, optimize, merge):
        if self.docbuffer:
            self._enqueue()
        for _ in self.tasks:
            self.jobqueue.put(None)
        segments = self._merge_segments(mergetype, optimize, merge)
        pending = len(self.tasks)
        while pending:
            try:
                segments.extend(self.resultqueue.get(timeout=5))
                pending -= 1
            except queue.Empty:
                failed = [t for t in self.tasks if t.exitcode not in (None, 0)]
                if failed:
                    raise RuntimeError(f"{len(failed)} index worker(s) failed") from None
        for task in self.tasks:
            task.join()
        self._close_segment()
        self._commit_toc(segments)
        self._finish()


def build(
    workers: int = 2,
    *,
    job_size: int = JOB_SIZE,
    limitmb: int = LIMIT_MB,
    segment_docs: int = 12_500,
    log: Callable[[str], None] | None = None,
) -> BuildReport:
    """Replace the whole index with every published article's document."""
    from articles.analysis import segment

    started, cpu_started = time.perf_counter(), _cpu_seconds()
    backend, index = get_backend(), get_article_index()
    backend.clear()
    ids = list(index.index_queryset().order_by("pk").values_list("pk", flat=True))
    # pyvi writes its model to a temporary file on import; a worker forked
    # before the parent has tokenized once deletes it under the others.
    segment("khởi động")
    # Workers open their own database connections.
    connections.close_all()
    writer = _ParallelWriter(
        backend.index,
        procs=max(1, workers),
        batchsize=job_size,
        # Separate files, not one compound file per segment: Whoosh copies a
        # compound segment into each reading process's memory.
        subargs={"limitmb": limitmb, "compound": False},
    )
    writer.segment_docs = segment_docs
    queued_at = time.perf_counter()
    try:
        step = max(len(ids) // 20, job_size)
        for n, pk in enumerate(ids, 1):
            writer.add_document(pk=pk)
            if log and n % step == 0:
                log(f"  … {n}/{len(ids)} bài đã giao ({time.perf_counter() - started:.0f} s)")
        if ids:
            writer.commit()
        else:
            writer.cancel()
    except BaseException:
        writer.cancel()
        raise
    finished = time.perf_counter()
    backend._close_searcher()
    reader_index = backend.storage.open_index(schema=backend.schema)
    segments = len(reader_index._segments())
    documents = reader_index.doc_count()
    return BuildReport(
        documents=documents,
        seconds=finished - started,
        workers=max(1, workers),
        index_bytes=index_size(backend.path),
        segments=segments,
        cpu_seconds=_cpu_seconds() - cpu_started,
        timings={"queue_and_commit": finished - queued_at},
    )


def split_compound_segments() -> int:
    """Store every compound segment as separate files; return how many were split.

    A reader opens a compound segment by copying all of it into memory
    (Whoosh wraps the mapped file in a ``BytesIO``): a 100,000-article index
    would cost each web worker over a gigabyte. Separate files are read
    through the operating system's cache instead. Segment ids stay the same,
    so caches keyed by segment survive.
    """
    from whoosh.index import TOC

    backend = get_backend()
    if not backend.setup_complete:
        backend.setup()
    storage = backend.storage
    ix = storage.open_index(schema=backend.schema)
    lock = ix.lock("WRITELOCK")
    if not lock.acquire(blocking=True):
        raise RuntimeError("index locked")
    try:
        toc = TOC.read(storage, ix.indexname, schema=backend.schema)
        compound = [s for s in toc.segments if s.is_compound()]
        for segment in compound:
            name = segment.make_filename(segment.COMPOUND_EXT)
            parts = segment.open_compound_file(storage)
            try:
                ranges = {part: parts.range(part) for part in parts.list()}
            finally:
                parts.close()
            with open(Path(backend.path) / name, "rb") as source:
                for part, (offset, length) in ranges.items():
                    source.seek(offset)
                    with open(Path(backend.path) / part, "wb") as out:
                        remaining = length
                        while remaining:
                            chunk = source.read(min(remaining, 1 << 22))
                            out.write(chunk)
                            remaining -= len(chunk)
            segment.compound = False
        if compound:
            TOC(backend.schema, toc.segments, toc.generation + 1).write(storage, ix.indexname)
            for segment in compound:
                storage.delete_file(segment.make_filename(segment.COMPOUND_EXT))
    finally:
        lock.release()
    backend._close_searcher()
    return len(compound)
