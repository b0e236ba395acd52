"""The Whoosh engine: an index on disk, read through long-lived snapshots.

Each process keeps one searcher, refreshed only when another writer has
committed a newer generation, and a ``Snapshot`` of arrays for it (see
``snapshot``); a query is translated (``translate``), evaluated over the
arrays (``evaluate``) and ranked (``ranking``). Writes go through
``WhooshWriter``, which takes the index's write lock with a timeout and
raises ``IndexLocked`` when it cannot, so that the index queue keeps what
was not written yet.
"""

from __future__ import annotations

import pickle
import struct
import threading
import zlib
from collections.abc import Iterable
from pathlib import Path

from whoosh import index as whoosh_index
from whoosh.fields import NUMERIC, Schema
from whoosh.filedb.filestore import FileStorage
from whoosh.filedb.filetables import FileFormatError
from whoosh.index import LockError
from whoosh.scoring import BM25F
from whoosh.writing import MERGE_SMALL

from articles.search.engines.base import (
    Document,
    IndexLocked,
    IndexWriter,
    SearchEngine,
    SearchUnavailable,
)
from articles.search.engines.whoosh import checksums, compat, ranking
from articles.search.engines.whoosh.generations import Generations
from articles.search.engines.whoosh.schema import DJANGO_ID, ID
from articles.search.engines.whoosh.snapshot import Segment, Snapshot
from articles.search.engines.whoosh.spellings import Spellings
from articles.search.engines.whoosh.store import LRU, DecodedStore
from articles.search.engines.whoosh.translate import translate
from articles.search.engines.whoosh.warming import Recent, Warming
from articles.search.plan import EngineResult, QueryPlan

# What reading a damaged index raises (a missing or truncated file, corrupt
# postings, an empty table of contents): the search is unavailable.
DAMAGE = (
    OSError,
    EOFError,
    ValueError,
    KeyError,
    IndexError,
    TypeError,
    struct.error,
    zlib.error,
    pickle.UnpicklingError,
    whoosh_index.IndexError,
    FileFormatError,
)

# Memory for decoded posting lists per process (PORTAL_SEARCH_CACHE_MB).
SEARCH_CACHE_MB = 96
# How long a serving process may spend readying a rebuilt generation before
# it reads it (PORTAL_WARM_SECONDS; 0: read it cold at once).
WARM_SECONDS = 60.0
WRITE_RETRY_DELAY = 0.05
DOCUMENT_ID_PREFIX = "articles.article."


def document_key(pk: int) -> str:
    return f"{DOCUMENT_ID_PREFIX}{pk}"


# Segments of fewer documents than this were written by edits (or are a
# build's small remainder): only those are merged after an edit.
EDIT_SEGMENT_DOCS = 1000


def merge_edit_segments(writer, segments):
    """Whoosh's own policy (``MERGE_SMALL``) among the small segments only.

    Left to all segments, it merges everything once a build's segments
    number about as many as the Fibonacci rule allows: 20 segments of 5,000
    articles plus one edit made one editor's save merge all 100,000 articles
    (minutes, measured at 100k). A rebuild is what compacts the large ones.
    """
    large = [s for s in segments if s.doc_count_all() >= EDIT_SEGMENT_DOCS]
    small = [s for s in segments if s.doc_count_all() < EDIT_SEGMENT_DOCS]
    return large + MERGE_SMALL(writer, small)


class WhooshWriter(IndexWriter):
    """Changes to the serving generation, journaled for a rebuild in progress."""

    def __init__(self, engine: WhooshEngine, timeout: float) -> None:
        self.engine = engine
        self.changed: set[int] = set()
        # Taken before the serving generation is looked up: a rebuild switches
        # generations under the same lock, so no write lands in an old one.
        self._lock = engine.generations.write_lock(timeout)
        self._lock.__enter__()
        try:
            index = engine.index()
            # This process may still be reading the previous generation (see
            # ``warming``): the checksums are those of the one written.
            self._path = Path(index.storage.folder)
            # Separate segment files: readers copy a compound segment into memory.
            self._writer = index.writer(timeout=timeout, delay=WRITE_RETRY_DELAY, compound=False)
        except LockError as exc:
            self._lock.__exit__(None, None, None)
            raise IndexLocked(str(exc)) from exc
        except BaseException:
            self._lock.__exit__(None, None, None)
            raise

    def add(self, documents: Iterable[Document]) -> int:
        count = 0
        for document in documents:
            fields = self.engine.whoosh_fields(document)
            self._writer.update_document(**fields)
            self.changed.add(int(fields[DJANGO_ID]))
            count += 1
        return count

    def delete(self, ids: Iterable[int]) -> None:
        for pk in ids:
            self._writer.delete_by_term(ID, document_key(pk))
            self.changed.add(pk)

    def commit(self) -> None:
        try:
            self._writer.commit(mergetype=merge_edit_segments)
            checksums.record(self._path)
            self.engine.generations.note_changes(sorted(self.changed))
        finally:
            self._lock.__exit__(None, None, None)

    def cancel(self) -> None:
        try:
            self._writer.cancel()
        finally:
            self._lock.__exit__(None, None, None)


class WhooshEngine(SearchEngine):
    name = "whoosh"

    def __init__(
        self,
        path: str | Path,
        schema: Schema,
        *,
        cache_mb: int = SEARCH_CACHE_MB,
        stamp: str = "",
        warm_seconds: float = WARM_SECONDS,
    ):
        self.generations = Generations(path, stamp)
        self.cache_mb = cache_mb
        self.warm_seconds = warm_seconds
        self.recent = Recent()
        self.warming: Warming | None = None
        self.path = self.generations.current()
        self.schema = schema
        self._lock = threading.RLock()
        self._index = None
        self._searcher = None
        self._snapshot: Snapshot | None = None
        self._segments: dict[str, Segment] = {}
        # Decoded posting lists: at 100,000 articles a common word takes
        # about a second to decode from Whoosh's blocks and 0.6 MB to keep.
        self._postings = LRU(cache_mb * 1024 * 1024)
        self._decoded = DecodedStore(self.path)
        self._decoded_for: set[str] | None = None

    # -- the index on disk --------------------------------------------------------

    def _follow(self) -> None:
        """Move to the serving generation if a rebuild switched since last look.

        A process that has been answering searches first readies the new
        generation in a thread (``warming``) and answers from the one it
        has meanwhile; one that has not moves at once.
        """
        name = self.generations.current_name()
        if name is None or name == self.path.name:
            return
        if self._snapshot is not None and self.recent and self.warm_seconds > 0:
            warming = self.warming
            if warming is None or warming.name != name:
                self.warming = Warming(name, self._engine_of, self.recent, self.warm_seconds)
                return
            if not warming.done:
                return
            self.warming = None
            if warming.error is None and warming.engine is not None:
                self._adopt(warming.engine)
                return
        self.close()
        self.path = self.generations.root / name
        self._segments.clear()
        self._postings.drop(lambda key: True)
        self._decoded = DecodedStore(self.path)
        self._decoded_for = None

    def _engine_of(self) -> WhooshEngine:
        """An engine of its own reading the serving generation (for warming)."""
        return WhooshEngine(
            self.generations.root, self.schema, cache_mb=self.cache_mb, warm_seconds=0
        )

    def _adopt(self, other: WhooshEngine) -> None:
        """Read through ``other``'s generation, searcher and arrays from now on."""
        self.close()
        self.path = other.path
        self._index, self._searcher, self._snapshot = other._index, other._searcher, other._snapshot
        self._segments, self._postings = other._segments, other._postings
        self._decoded, self._decoded_for = other._decoded, other._decoded_for

    def index(self):
        """The serving generation's index: what writers write to."""
        with self._lock:
            self._follow()
            warming = self.warming
            if warming is not None and warming.engine is not None:
                # Read here once warm; written to now.
                return warming.engine.index()
            if warming is not None:
                return self._open_index(self.generations.root / warming.name)
            return self._read_index()

    def _read_index(self):
        """The index of the generation this process reads."""
        if self._index is None:
            self._index = self._open_index(self.path)
        return self._index

    def _open_index(self, path: Path):
        path.mkdir(parents=True, exist_ok=True)
        storage = FileStorage(str(path))
        if whoosh_index.exists(storage):
            return storage.open_index(schema=self.schema)
        return storage.create_index(self.schema)

    def close(self) -> None:
        with self._lock:
            if self._searcher is not None:
                self._searcher.close()
            self._searcher = None
            self._snapshot = None
            self._index = None
            self.warming = None  # a warming thread's result is no longer wanted

    def whoosh_fields(self, document: Document) -> dict:
        """The Whoosh field values of a search document (None: field left out)."""
        fields = {}
        for name, value in document.items():
            if value is None or name == "boost" or name not in self.schema:
                continue
            if isinstance(value, (list, tuple, set)):
                value = ",".join(str(v) for v in value)
            elif isinstance(value, int) and not isinstance(self.schema[name], NUMERIC):
                value = str(value)
            fields[name] = value
        return fields

    # -- reading ---------------------------------------------------------------------

    def _current_searcher(self):
        """The process's searcher, refreshed when another writer committed."""
        self._follow()
        if self._searcher is None:
            self._index = None
            self._searcher = self._opened(
                self._read_index().searcher(weighting=BM25F(B=0.75, K1=1.2))
            )
            self._snapshot = None
        elif not self._searcher.up_to_date():
            self._searcher = self._opened(self._searcher.refresh())
            self._snapshot = None
        return self._searcher

    @staticmethod
    def _opened(searcher, attempts: int = 20):
        """``searcher`` with its segments' files open, or a newer one.

        While the searcher is still the newest generation after its files
        were opened, no writer can have deleted any of them first.
        """
        for _ in range(attempts):
            for reader, _offset in searcher.reader().leaf_readers():
                if reader.segment() is not None:
                    compat.open_columns(reader)
            if searcher.up_to_date():
                break
            searcher = searcher.refresh()
        return searcher

    def snapshot(self) -> Snapshot:
        """The current generation's arrays, rebuilt (from per-segment parts) after a change."""
        with self._lock:
            try:
                searcher = self._current_searcher()
                if self._snapshot is None or self._snapshot.searcher is not searcher:
                    self._snapshot = Snapshot(
                        searcher, self._segments, self._postings, self._decoded
                    )
                    self._forget_old_segments(self._snapshot.segment_ids)
            except DAMAGE as exc:
                self._searcher = None
                raise SearchUnavailable(f"{type(exc).__name__}: {exc}") from exc
            return self._snapshot

    def _reading(self, read):
        """``read()`` under the lock; a damaged index raises ``SearchUnavailable``."""
        with self._lock:
            try:
                return read()
            except SearchUnavailable:
                raise
            except DAMAGE as exc:
                self.close()
                raise SearchUnavailable(f"{type(exc).__name__}: {exc}") from exc

    def _forget_old_segments(self, current: set[str]) -> None:
        for segid in [s for s in self._segments if s not in current]:
            del self._segments[segid]
        if current != self._decoded_for:
            self._decoded.forget_segments(current)
            self._decoded_for = current
        self._postings.drop(lambda key: key[0] not in current)

    def search(self, plan: QueryPlan) -> EngineResult:
        def read() -> EngineResult:
            # One snapshot for the whole query: refreshing could close the
            # searcher this query reads.
            snapshot = self.snapshot()
            self.recent.plan(plan)
            total, ranked, facets = ranking.run(snapshot, translate(plan), plan)
            hits = [(snapshot.article_id(docnum), score) for docnum, score in ranked]
            return EngineResult(total=total, hits=hits, facets=facets)

        return self._reading(read)

    def document_frequencies(self, field: str, terms: Iterable[str]) -> dict[str, int]:
        def read() -> dict[str, int]:
            snapshot = self.snapshot()
            return {term: snapshot.doc_frequency(field, term) for term in terms}

        return self._reading(read)

    def spelling_variants(self, folded: str) -> dict[str, int]:
        def read() -> dict[str, int]:
            snapshot = self.snapshot()
            self.recent.spelling(folded)
            if snapshot.spellings is None:
                snapshot.spellings = Spellings(snapshot.searcher.reader())
            return snapshot.spellings.variants(folded)

        return self._reading(read)

    def doc_count(self) -> int:
        return self.snapshot().doc_count

    def indexed_ids(self) -> set[int]:
        return self._reading(lambda: self.snapshot().article_ids())

    def verify(self) -> list[str]:
        with self._lock:
            self._follow()
            problems = checksums.verify(self.path)
        try:
            self.indexed_ids()
        except SearchUnavailable as damage:
            problems.append(str(damage))
        return problems

    # -- writing ---------------------------------------------------------------------

    def writer(self, timeout: float | None = None) -> WhooshWriter:
        return WhooshWriter(self, 10.0 if timeout is None else timeout)

    def rebuild(self, ids, *, workers=2, log=None, stamp=""):
        from articles.search.engines.whoosh.bulk import build

        return build(self, ids, workers=workers, log=log, stamp=stamp)

    def clear(self) -> None:
        with self._lock, self.generations.write_lock(None):
            self._follow()
            self.close()
            storage = FileStorage(str(self.path))
            self.path.mkdir(parents=True, exist_ok=True)
            self._index = storage.create_index(self.schema)
            checksums.record(self.path)
            if self.generations.new_stamp:
                self.generations.set_stamp(self.generations.new_stamp)

    def format_stamp(self) -> str | None:
        return self.generations.stamp()
