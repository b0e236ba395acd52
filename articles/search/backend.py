"""Our Whoosh backend for haystack.

What it changes in haystack's stock ``WhooshSearchBackend`` and why:

- Schema: facet and filter fields (``province``, ``year``, ``fields`` and
  their ``*_exact`` shadows) are whole-value ID/KEYWORD fields, not stemmed
  TEXT, so "Hà Nội" is one facet value, not "hà" and "nội". Text fields hold
  pre-analyzed tokens (``articles.analysis``) split on spaces only.
- One long-lived searcher per process, refreshed only when the index on disk
  has a newer generation; no extra searcher and no all-documents "narrow"
  query per search; match-all is the cached set of live documents, not an
  ``Every`` query.
- Facet counts come from per-value document sets, cached per searcher and
  intersected with the hit set, instead of a walk over every hit per query.
- Writes take the write lock with a timeout and raise when they cannot get
  it, instead of being dropped silently (stock ``remove``) or buffered in a
  thread that may never commit (``AsyncWriter``); the index queue in
  ``articles.search.indexing`` keeps what could not be written yet.
- Highlighting uses our analysis and escapes the text (``highlight.py``).
"""

from __future__ import annotations

import contextlib
import hashlib
import logging
import os
import pickle
import tempfile
import threading
import time
from bisect import bisect_right
from collections import OrderedDict
from collections.abc import Iterable, Mapping, Sequence
from dataclasses import dataclass
from functools import cached_property, lru_cache
from pathlib import Path

import numpy as np
from django.conf import settings
from haystack.backends import BaseEngine
from haystack.backends.whoosh_backend import WhooshSearchBackend, WhooshSearchQuery
from haystack.constants import DJANGO_CT, DJANGO_ID, ID
from haystack.models import SearchResult
from haystack.utils import get_identifier
from whoosh import query as wq
from whoosh.analysis import RegexTokenizer
from whoosh.codec.whoosh3 import LENGTHS_COLUMN, STORED_COLUMN, W3LeafMatcher, _lenfield
from whoosh.columns import TranslatingColumnReader
from whoosh.fields import ID as WHOOSH_ID
from whoosh.fields import KEYWORD, NUMERIC, TEXT, Schema
from whoosh.formats import Frequency, Positions
from whoosh.qparser import QueryParser
from whoosh.scoring import BM25F
from whoosh.system import pack_uint
from whoosh.util.numeric import byte_to_length

from articles.analysis import analyze
from articles.text import fold

logger = logging.getLogger(__name__)

FACET_FIELDS = ("province", "year", "fields")
# Memory for decoded posting lists per process (settings.PORTAL_SEARCH_CACHE_MB).
SEARCH_CACHE_MB = 96
# Scored terms of the current snapshot, per process: about 1.2 MB for a word
# found in every one of 100,000 articles.
TERM_CACHE_MB = 112
# A term in at least 1/DENSE_FRACTION of the documents is kept as whole-index
# arrays rather than ids and scores.
DENSE_FRACTION = 6


class _TokenAnalyzer:
    """Whoosh analyzer for pre-analyzed text: split on whitespace.

    Query strings that come through haystack's own query builder are
    normalized the same way (NFC, tone placement, lowercase) so that
    ``SearchQuerySet().filter(content=...)`` matches what we indexed.
    """

    def __init__(self, folded: bool = False) -> None:
        self.folded = folded
        self._tokenizer = RegexTokenizer(r"\S+")

    def __call__(self, value, **kwargs):
        if kwargs.get("mode") == "query":
            tokens = analyze(value, use_segmenter=False)
            value = " ".join(tokens.folded if self.folded else tokens.syllables)
        yield from self._tokenizer(value, **kwargs)

    def __eq__(self, other) -> bool:
        return isinstance(other, _TokenAnalyzer) and other.folded == self.folded


class PreAnalyzedText(TEXT):
    """A TEXT field whose indexed value is already a string of tokens.

    Indexing splits on whitespace directly instead of going through Whoosh's
    token objects, which is several times faster and writes exactly the same
    postings (same terms, frequencies, weights and encoded positions).
    Queries still go through ``_TokenAnalyzer``.
    """

    def index(self, value, **kwargs):
        fmt = self.format
        if not isinstance(value, str) or type(fmt) not in (Positions, Frequency):
            yield from super().index(value, **kwargs)
            return
        boost = fmt.field_boost
        if type(fmt) is Positions:
            positions: dict[str, list[int]] = {}
            for position, token in enumerate(value.split()):
                seen = positions.get(token)
                if seen is None:
                    positions[token] = [position]
                else:
                    seen.append(position)
            encode = fmt.encode
            for token, poslist in positions.items():
                freq = len(poslist)
                yield token.encode("utf-8"), freq, float(freq) * boost, encode(poslist)
        else:
            counts: dict[str, int] = {}
            for token in value.split():
                counts[token] = counts.get(token, 0) + 1
            for token, freq in counts.items():
                yield token.encode("utf-8"), freq, float(freq) * boost, pack_uint(freq)


def analyzed_text_field(positions: bool, folded: bool, boost: float = 1.0) -> TEXT:
    text_field = PreAnalyzedText(
        analyzer=_TokenAnalyzer(folded), phrase=positions, field_boost=boost
    )
    text_field.format = Positions() if positions else Frequency()
    return text_field


@dataclass
class RawHits:
    total: int
    hits: list[tuple[int, float]]  # (article id, score)
    facets: dict[str, dict[str, int]]


# -- the query engine ------------------------------------------------------------
#
# Matching, facet counts and ranking run on numpy arrays instead of Whoosh's
# per-document matchers, which at 100,000 articles take seconds for a common
# word or phrase. What is cached, and for how long:
#
# - per segment, for as long as the segment exists (segments never change;
#   only their deletions do): each facet value's documents, the dates, the
#   field lengths, and the decoded posting lists and phrase matches asked
#   for so far (the last two in a size-bounded LRU shared by all segments).
#   An edit adds a small segment, so a refresh decodes that one only.
# - per searcher (one index generation): the live documents and those
#   arrays laid end to end, in the searcher's document numbers.
#
# Scores are Whoosh's own BM25F (same idf, average lengths and byte-encoded
# document lengths), summed the way its matchers sum them: And, Or and
# phrases add their parts, AndMaybe adds the optional part where it matches.
# A query with any other node (haystack's parser can write them) is answered
# by Whoosh itself.


class _Unsupported(Exception):
    """The engine does not evaluate this query node; Whoosh does."""


class _LRU:
    """Arrays by key, evicting the least recently used past ``limit`` bytes."""

    def __init__(self, limit: int) -> None:
        self.limit = limit
        self.size = 0
        self._items: OrderedDict = OrderedDict()

    def get(self, key):
        item = self._items.get(key)
        if item is not None:
            self._items.move_to_end(key)
        return item

    def put(self, key, value, nbytes: int) -> None:
        if key in self._items:
            return
        self._items[key] = (value, nbytes)
        self.size += nbytes
        while self.size > self.limit and len(self._items) > 1:
            _, (_, freed) = self._items.popitem(last=False)
            self.size -= freed

    def drop(self, predicate) -> None:
        for key in [k for k in self._items if predicate(k)]:
            _, nbytes = self._items.pop(key)
            self.size -= nbytes


_LENGTH_OF_BYTE = np.array([byte_to_length(b) for b in range(256)], dtype=np.float64)
_EMPTY_IDS = np.zeros(0, dtype=np.int64)


def _numeric_column(reader, column_reader, size: int, default: int = 0) -> np.ndarray:
    """A numeric column of a segment as an array, read in one go."""
    try:
        raw = column_reader._dbfile.get(
            column_reader._basepos, column_reader._count * column_reader._fixedlen
        )
        values = np.frombuffer(raw, dtype=np.dtype(column_reader._typecode).newbyteorder(">"))
        values = values.astype(np.int64)
    except AttributeError:  # another column type: read it value by value
        values = np.fromiter((v or 0 for v in column_reader), dtype=np.int64, count=size)
    if len(values) < size:
        values = np.concatenate([values, np.full(size - len(values), default, dtype=np.int64)])
    return values[:size]


class _Segment:
    """What the engine keeps about one segment while it exists."""

    def __init__(self, reader) -> None:
        self.segid = reader.segment().segment_id()
        self.size = reader.doc_count_all()
        self.facets: dict[str, tuple[list[str], np.ndarray | list[np.ndarray]]] = {}
        self.lengths: dict[str, np.ndarray] = {}
        self.pub = np.zeros(self.size, dtype=np.int64)
        pub = _pinned_column(reader, "pub")
        if pub is not None:
            self.pub = _numeric_column(reader, pub, self.size)
        self.django_ids: dict[int, int] = {}
        for name in FACET_FIELDS:
            if name in reader.schema and reader.schema[name].indexed:
                self.facets[name] = self._facet(reader, name)

    def _facet(self, reader, name: str):
        values = [v.decode("utf-8") if isinstance(v, bytes) else v for v in reader.lexicon(name)]
        if isinstance(reader.schema[name], KEYWORD):
            # Several values per document: one mask per value.
            masks = []
            for value in values:
                mask = np.zeros(self.size, dtype=bool)
                mask[list(reader.postings(name, value).all_ids())] = True
                masks.append(mask)
            return values, masks
        index = np.full(self.size, -1, dtype=np.int32)
        for i, value in enumerate(values):
            index[list(reader.postings(name, value).all_ids())] = i
        return values, index

    def field_lengths(self, reader, fieldname: str) -> np.ndarray:
        lengths = self.lengths.get(fieldname)
        if lengths is None:
            perdoc = reader._perdoc
            column = perdoc._cached_reader(_lenfield(fieldname), LENGTHS_COLUMN)
            if column is None:
                lengths = np.ones(self.size, dtype=np.float64)
            else:
                codes = _numeric_column(reader, column, self.size)
                lengths = _LENGTH_OF_BYTE[codes]
                # Whoosh's scorer reads a missing length as 1.
                lengths[codes == 0] = 1.0
            self.lengths[fieldname] = lengths
        return lengths


def _compact_weights(weights: np.ndarray) -> np.ndarray:
    # Weights are term frequencies here: small whole numbers.
    if len(weights) and weights.max() < 65536 and np.all(weights == np.floor(weights)):
        return weights.astype(np.uint16)
    return weights.astype(np.float32)


def _pin_columns(reader) -> None:
    """Open now every column file of a segment that the engine reads later.

    Whoosh opens column files lazily, but a writer in another process
    deletes a merged-away segment's files as soon as its new generation is
    written. An open file survives its deletion; an unopened one is gone,
    and Whoosh then quietly reads no stored fields or default lengths.
    """
    perdoc = getattr(reader, "_perdoc", None)
    segment = reader.segment()
    if perdoc is None or segment is None:
        return
    columns = {"_stored": STORED_COLUMN}
    if "pub" in reader.schema:
        columns["pub"] = reader.schema["pub"].column_type
    columns.update({_lenfield(name): LENGTHS_COLUMN for name in segment._fieldlengths})
    for name, column in columns.items():
        if name in perdoc._readers or not perdoc.has_column(name):
            continue
        try:
            # Whoosh asks whether the file exists before using a column it
            # has not read yet, so the reader itself must be made now.
            perdoc._readers[name] = perdoc.column_reader(name, column)
        except OSError:
            # Deleted between the two calls; the caller sees the searcher
            # is out of date and opens the newer generation instead.
            continue


def _pinned_column(reader, name: str):
    """A field's column reader, through the file opened by ``_pin_columns``."""
    perdoc = getattr(reader, "_perdoc", None)
    raw = perdoc._readers.get(name) if perdoc is not None else None
    if raw is None:
        return reader.column_reader(name) if reader.has_column(name) else None
    return TranslatingColumnReader(raw, reader.schema[name].from_column_value)


def _read_postings(reader, fieldname: str, btext: bytes, positions: bool):
    """(ids, weights, positions or None) of a term in one segment."""
    if (fieldname, btext) not in reader:
        return _EMPTY_IDS, np.zeros(0), None
    matcher = reader.postings(fieldname, btext)
    # A segment with deletions wraps its postings in a filter; the caller
    # masks deleted documents itself, so read the blocks underneath.
    while not isinstance(matcher, W3LeafMatcher) and hasattr(matcher, "child"):
        matcher = matcher.child
    if not isinstance(matcher, W3LeafMatcher):
        ids, weights, values = [], [], []
        while matcher.is_active():
            ids.append(matcher.id())
            weights.append(matcher.weight())
            if positions:
                values.append(matcher.value())
            matcher.next()
        blocks = [(np.asarray(ids, dtype=np.int64), np.asarray(weights, dtype=np.float64))]
        all_values = values
    else:
        blocks, all_values = [], []
        while matcher.is_active():
            if matcher._data is None:
                matcher._read_data()
            block_ids, block_weights, block_values = matcher._data
            count = matcher._blocklength
            ids = np.asarray(block_ids, dtype=np.int64)
            if not matcher._byteids:
                ids = np.cumsum(ids)
            if block_weights is None:
                weights = np.ones(count)
            elif isinstance(block_weights, float):
                weights = np.full(count, block_weights)
            else:
                weights = np.asarray(block_weights, dtype=np.float64)
            blocks.append((ids, weights))
            if positions:
                all_values.extend(block_values)
            if matcher._lastblock:
                break
            matcher._goto(matcher._nextoffset)
    ids = np.concatenate([b[0] for b in blocks]) if blocks else _EMPTY_IDS
    weights = np.concatenate([b[1] for b in blocks]) if blocks else np.zeros(0)
    if not positions:
        return ids, weights, None
    # Each value is a count and the pickled gaps between positions.
    gaps: list[int] = []
    counts = np.empty(len(all_values), dtype=np.int64)
    for i, value in enumerate(all_values):
        decoded = pickle.loads(value[4:] if value.endswith(b".") else value[4:] + b".")
        counts[i] = len(decoded)
        gaps.extend(decoded)
    if not gaps:
        return ids, weights, (_EMPTY_IDS, _EMPTY_IDS)
    flat = np.cumsum(np.asarray(gaps, dtype=np.int64))
    starts = np.concatenate([[0], np.cumsum(counts)[:-1]])
    before = np.where(starts > 0, flat[np.maximum(starts - 1, 0)], 0)
    flat -= np.repeat(before, counts)
    return ids, weights, (np.repeat(ids, counts), flat)


@lru_cache(maxsize=1)
def _fold_variants() -> dict[str, list[str]]:
    """Each letter that folding produces from others -> every letter folding to it."""
    variants: dict[str, set[str]] = {}
    for code in range(0x20, 0x2000):
        ch = chr(code)
        if ch.isalpha() and ch == ch.lower():
            variants.setdefault(fold(ch), set()).add(ch)
    return {k: sorted(v | {k}) for k, v in variants.items() if len(v | {k}) > 1}


class _Spellings(Mapping):
    """Folded syllable or word -> its most frequent spelling, computed per key.

    Folding only changes vowels and đ, so every spelling of "chuyen" starts
    with "ch": a key is answered from the terms under that prefix (or under
    each letter that folds to its first letter), in the order the whole
    vocabulary would be read, so ties resolve the same way.
    """

    FIELDS = ("text", "words")

    def __init__(self, reader) -> None:
        self.reader = reader
        self.found: dict[str, str | None] = {}

    @staticmethod
    def _prefixes(key: str) -> list[str]:
        variants = _fold_variants()
        stable = ""
        for ch in key:
            if ch in variants:
                break
            stable += ch
        if stable:
            return [stable]
        return variants.get(key[:1], [key[:1]])

    def _lookup(self, key: str) -> str | None:
        if key in self.found:
            return self.found[key]
        best: tuple[int, str] = (0, "")
        for name in self.FIELDS:
            if name not in self.reader.schema:
                continue
            for prefix in self._prefixes(key):
                for term in self.reader.expand_prefix(name, prefix):
                    text = term.decode("utf-8") if isinstance(term, bytes) else term
                    # NFC text folds letter for letter (as highlighting assumes).
                    if len(text) != len(key) or text == key or fold(text) != key:
                        continue
                    frequency = self.reader.doc_frequency(name, text)
                    if frequency > best[0]:
                        best = (frequency, text)
        self.found[key] = best[1] or None
        return self.found[key]

    def __getitem__(self, key: str) -> str:
        spelled = self._lookup(key)
        if spelled is None:
            raise KeyError(key)
        return spelled

    def __contains__(self, key) -> bool:
        return isinstance(key, str) and bool(key) and self._lookup(key) is not None

    def __iter__(self):
        # Only for completeness: reads the whole vocabulary.
        keys = set()
        for name in self.FIELDS:
            if name in self.reader.schema:
                for term in self.reader.lexicon(name):
                    text = term.decode("utf-8") if isinstance(term, bytes) else term
                    keys.add(fold(text))
        return iter(sorted(k for k in keys if k in self))

    def __len__(self) -> int:
        return sum(1 for _ in self)


class _DecodedStore:
    """Decoded posting lists and phrase matches kept on disk beside the index.

    Decoding a common word from Whoosh's blocks takes long enough that the
    first searches after a restart took seconds; what one process decoded
    slowly is written here (segments never change, so neither do their
    arrays), and every process, now and after a restart, loads it in a
    millisecond. Files are named by segment; a segment's files go when it
    is merged away, and the whole store with the index.
    """

    DIRNAME = "decoded"
    # Only what was slow to decode is kept: rare words decode fast anyway.
    SLOW_SECONDS = 0.005

    def __init__(self, index_path: str) -> None:
        self.root = Path(index_path) / self.DIRNAME

    def _file(self, segid: str, key: tuple) -> Path:
        digest = hashlib.blake2b(repr(key).encode("utf-8"), digest_size=12).hexdigest()
        return self.root / f"{segid}-{digest}.npz"

    def load(self, segid: str, key: tuple) -> tuple[np.ndarray, ...] | None:
        try:
            with np.load(self._file(segid, key), allow_pickle=False) as data:
                return tuple(data[f"a{i}"] for i in range(len(data.files)))
        except (OSError, ValueError, KeyError):
            return None

    def save(self, segid: str, key: tuple, arrays: tuple[np.ndarray, ...]) -> None:
        target = self._file(segid, key)
        try:
            self.root.mkdir(exist_ok=True)
            # Written aside and renamed: a reader never sees half a file.
            fd, temporary = tempfile.mkstemp(dir=self.root, suffix=".tmp")
            with os.fdopen(fd, "wb") as out:
                np.savez(out, **{f"a{i}": a for i, a in enumerate(arrays)})
            os.replace(temporary, target)
        except OSError:  # a read-only or full disk only costs speed
            logger.debug("could not keep decoded postings in %s", self.root, exc_info=True)

    def forget_segments(self, current: set[str]) -> None:
        try:
            names = os.listdir(self.root)
        except OSError:
            return
        for name in names:
            segid = name.split("-", 1)[0]
            if segid not in current and not name.endswith(".tmp"):
                with contextlib.suppress(OSError):
                    os.remove(self.root / name)


@dataclass(slots=True)
class _TermHits:
    """A scored term: ids and scores, or whole-index arrays for common terms.

    Adding a word found in most articles through its ids scatters into
    random places of the score array; adding a dense array of the same size
    is several times faster and takes less memory than ids and scores.
    """

    ids: np.ndarray | None
    scores: np.ndarray | None
    mask: np.ndarray | None = None
    dense: np.ndarray | None = None

    @classmethod
    def of(cls, ids: np.ndarray, scores: np.ndarray, size: int) -> _TermHits:
        if len(ids) * DENSE_FRACTION < size:
            return cls(ids.astype(np.int32), scores)
        mask = np.zeros(size, dtype=bool)
        mask[ids] = True
        dense = np.zeros(size)
        dense[ids] = scores
        return cls(None, None, mask, dense)

    @property
    def nbytes(self) -> int:
        arrays = (self.ids, self.scores, self.mask, self.dense)
        return 64 + sum(a.nbytes for a in arrays if a is not None)

    def mark(self, hits: np.ndarray) -> None:
        """Set (bool ``hits``) or count (integer ``hits``) the term's documents."""
        counting = hits.dtype != bool
        if self.mask is not None:
            if counting:
                hits += self.mask
            else:
                hits |= self.mask
        elif counting:
            hits[self.ids] += 1
        else:
            hits[self.ids] = True

    def add_scores(self, out: np.ndarray, boost: float) -> None:
        if self.dense is not None:
            out += self.dense if boost == 1 else self.dense * boost
        else:
            out[self.ids] += self.scores if boost == 1 else self.scores * boost


class FacetCache:
    """One searcher's documents: its segments end to end, with their arrays.

    ``values`` and ``live`` give the same as sets of document numbers, for
    callers that want sets.
    """

    def __init__(self, backend, searcher) -> None:
        self.backend = backend
        self.searcher = searcher
        self.parts: list[tuple[object, _Segment, int]] = []
        for reader, offset in searcher.reader().leaf_readers():
            if reader.segment() is None:  # an empty index has no segment yet
                continue
            self.parts.append((reader, backend._segment(reader), offset))
        self.offsets = [offset for _, _, offset in self.parts]
        self.size = searcher.reader().doc_count_all()
        self.live = np.zeros(self.size, dtype=bool)
        for reader, segment, offset in self.parts:
            live = np.ones(segment.size, dtype=bool)
            if reader.has_deletions():
                live[sorted(reader.segment().deleted_docs())] = False
            self.live[offset : offset + segment.size] = live
        self.pub = self._joined(lambda s: s.pub, np.int64)
        self.facets: dict[str, tuple[list[str], object]] = {}
        for name in FACET_FIELDS:
            self.facets[name] = self._joined_facet(name)
        self.stats: dict[tuple[str, str], tuple[float, float]] = {}
        self.lengths: dict[str, np.ndarray] = {}
        self.weighting = searcher.weighting
        self.spellings: _Spellings | None = None
        # Scored terms of this snapshot, kept across queries: merging a
        # common word's postings from every segment and scoring them is
        # most of a query's work, and the result only changes with the
        # snapshot.
        self._terms = _LRU(TERM_CACHE_MB * 1024 * 1024)

    def _joined(self, part, dtype) -> np.ndarray:
        out = np.zeros(self.size, dtype=dtype)
        for _, segment, offset in self.parts:
            out[offset : offset + segment.size] = part(segment)
        return out

    def _joined_facet(self, name: str):
        values: list[str] = sorted(
            {v for _, s, _ in self.parts if name in s.facets for v in s.facets[name][0]}
        )
        position = {v: i for i, v in enumerate(values)}
        multi = any(isinstance(s.facets.get(name, (None, None))[1], list) for _, s, _ in self.parts)
        if multi:
            masks = [np.zeros(self.size, dtype=bool) for _ in values]
            for _, segment, offset in self.parts:
                seg_values, seg_masks = segment.facets.get(name, ([], []))
                for value, mask in zip(seg_values, seg_masks, strict=True):
                    masks[position[value]][offset : offset + segment.size] = mask
            return values, [m & self.live for m in masks]
        index = np.full(self.size, -1, dtype=np.int32)
        for _, segment, offset in self.parts:
            seg_values, seg_index = segment.facets.get(name, ([], None))
            if seg_index is None:
                continue
            remap = np.array([position[v] for v in seg_values] + [-1], dtype=np.int32)
            index[offset : offset + segment.size] = remap[seg_index]
        index[~self.live] = -1
        return values, index

    # -- sets, for callers that want them ----------------------------------------

    @cached_property
    def values(self) -> dict[str, dict[str, frozenset[int]]]:
        return {name: self.value_docs(name) for name in FACET_FIELDS}

    @property
    def doc_count(self) -> int:
        return int(np.count_nonzero(self.live))

    def part_of(self, docnum: int) -> tuple[object, _Segment, int]:
        index = bisect_right(self.offsets, docnum) - 1
        return self.parts[index]

    def value_docs(self, name: str) -> dict[str, frozenset[int]]:
        values, data = self.facets.get(name, ([], None))
        out = {}
        for i, value in enumerate(values):
            mask = data[i] if isinstance(data, list) else data == i
            docs = frozenset(np.flatnonzero(mask).tolist())
            if docs:
                out[value] = docs
        return out

    def value_mask(self, name: str, selected: Iterable[str]) -> np.ndarray:
        values, data = self.facets.get(name, ([], None))
        wanted = [values.index(v) for v in selected if v in values]
        if isinstance(data, list):
            mask = np.zeros(self.size, dtype=bool)
            for i in wanted:
                mask |= data[i]
            return mask
        if data is None:
            return np.zeros(self.size, dtype=bool)
        return np.isin(data, wanted)

    def counts(self, name: str, base: np.ndarray) -> dict[str, int]:
        values, data = self.facets.get(name, ([], None))
        if data is None:
            return {}
        if isinstance(data, list):
            found = {v: int(np.count_nonzero(base & m)) for v, m in zip(values, data, strict=True)}
        else:
            tally = np.bincount(data[base] + 1, minlength=len(values) + 1)[1:]
            found = {v: int(n) for v, n in zip(values, tally, strict=True)}
        return {v: n for v, n in found.items() if n}

    # -- term statistics --------------------------------------------------------

    def term_stats(self, fieldname: str, text: str) -> tuple[float, float]:
        """(idf, average field length), exactly as Whoosh's BM25F scorer gets them."""
        key = (fieldname, text)
        stats = self.stats.get(key)
        if stats is None:
            searcher = self.searcher
            stats = (
                self.weighting.idf(searcher, fieldname, text),
                searcher.avg_field_length(fieldname) or 1,
            )
            self.stats[key] = stats
        return stats

    def field_lengths(self, fieldname: str) -> np.ndarray:
        lengths = self.lengths.get(fieldname)
        if lengths is None:
            lengths = np.ones(self.size, dtype=np.float64)
            for reader, segment, offset in self.parts:
                lengths[offset : offset + segment.size] = segment.field_lengths(reader, fieldname)
            self.lengths[fieldname] = lengths
        return lengths

    # -- evaluation -------------------------------------------------------------

    def postings(self, fieldname: str, text: str) -> tuple[np.ndarray, np.ndarray]:
        """Ids (in this snapshot's numbering) and weights of a term's postings."""
        if fieldname not in self.searcher.schema:
            return _EMPTY_IDS, np.zeros(0)
        btext = self.searcher.schema[fieldname].to_bytes(text)
        cache = self.backend._postings
        ids_parts, weight_parts = [], []
        for reader, segment, offset in self.parts:
            key = (segment.segid, fieldname, btext)
            item = cache.get(key)
            if item is None:
                item = self.backend._decoded.load(segment.segid, key[1:])
                if item is None:
                    started = time.perf_counter()
                    ids, weights, _ = _read_postings(reader, fieldname, btext, positions=False)
                    item = (ids.astype(np.int32), _compact_weights(weights))
                    if time.perf_counter() - started > _DecodedStore.SLOW_SECONDS:
                        self.backend._decoded.save(segment.segid, key[1:], item)
                cache.put(key, item, item[0].nbytes + item[1].nbytes + 64)
            else:
                item = item[0]
            ids_parts.append(item[0].astype(np.int64) + offset)
            weight_parts.append(item[1])
        if not ids_parts:
            return _EMPTY_IDS, np.zeros(0)
        return np.concatenate(ids_parts), np.concatenate(weight_parts).astype(np.float64)

    def term_scores(self, fieldname: str, text: str, ids, weights) -> np.ndarray:
        if not len(ids):
            return np.zeros(0)
        if not self.searcher.schema[fieldname].scorable:
            return weights
        if not isinstance(self.weighting, BM25F):
            raise _Unsupported(self.weighting)
        idf, avgfl = self.term_stats(fieldname, text)
        weighting = self.weighting
        b = weighting._field_B.get(fieldname, weighting.B)
        k1 = weighting.K1
        lengths = self.field_lengths(fieldname)[ids]
        return idf * ((weights * (k1 + 1)) / (weights + k1 * ((1 - b) + b * lengths / avgfl)))

    def phrase_docs(self, fieldname: str, words: Sequence[str]) -> np.ndarray:
        if fieldname not in self.searcher.schema:
            return _EMPTY_IDS
        key = ("phrase", fieldname, tuple(words))
        cache = self.backend._postings
        parts = []
        for reader, segment, offset in self.parts:
            seg_key = (segment.segid, *key)
            item = cache.get(seg_key)
            if item is None:
                stored = self.backend._decoded.load(segment.segid, key)
                if stored is not None:
                    docs = stored[0]
                else:
                    started = time.perf_counter()
                    docs = self._segment_phrase(reader, fieldname, words)
                    if time.perf_counter() - started > _DecodedStore.SLOW_SECONDS:
                        self.backend._decoded.save(segment.segid, key, (docs,))
                cache.put(seg_key, docs, docs.nbytes + 64)
            else:
                docs = item[0]
            parts.append(docs.astype(np.int64) + offset)
        return np.concatenate(parts) if parts else _EMPTY_IDS

    def _segment_phrase(self, reader, fieldname: str, words: Sequence[str]) -> np.ndarray:
        field = self.searcher.schema[fieldname]
        # Rarest word first: the candidates shrink fastest.
        candidates = None
        decoded = []
        for i, word in enumerate(words):
            ids, _, pos = _read_postings(reader, fieldname, field.to_bytes(word), True)
            if not len(ids):
                return np.zeros(0, dtype=np.int32)
            candidates = ids if candidates is None else np.intersect1d(candidates, ids)
            if not len(candidates):
                return np.zeros(0, dtype=np.int32)
            decoded.append((i, pos))
        # A phrase starts at p in doc d when word i is at p + i for every i.
        starts = None
        stride = np.int64(1 << 32)
        for i, (docs, where) in decoded:
            keep = np.isin(docs, candidates)
            keys = docs[keep] * stride + (where[keep] - i)
            keys = np.unique(keys)
            starts = keys if starts is None else np.intersect1d(starts, keys, assume_unique=True)
            if not len(starts):
                return np.zeros(0, dtype=np.int32)
        return np.unique(starts // stride).astype(np.int32)

    def _term(self, fieldname: str, text: str) -> _TermHits:
        """A term's documents and unboosted scores in this snapshot."""
        key = (fieldname, text)
        found = self._terms.get(key)
        if found is not None:
            return found[0]
        ids, weights = self.postings(fieldname, text)
        term = _TermHits.of(ids, self.term_scores(fieldname, text, ids, weights), self.size)
        self._terms.put(key, term, term.nbytes)
        return term

    def evaluate(self, q, scores: bool):
        """(mask of matching documents, their scores or None)."""
        if isinstance(q, wq.Term):
            term = self._term(q.fieldname, q.text)
            mask = np.zeros(self.size, dtype=bool)
            term.mark(mask)
            if not scores:
                return mask, None
            out = np.zeros(self.size)
            term.add_scores(out, q.boost)
            return mask, out
        if isinstance(q, wq.Phrase):
            if q.slop != 1:
                raise _Unsupported(q)
            if len(q.words) == 1:
                return self.evaluate(wq.Term(q.fieldname, q.words[0], boost=q.boost), scores)
            docs = self.phrase_docs(q.fieldname, q.words)
            mask = np.zeros(self.size, dtype=bool)
            mask[docs] = True
            if not scores:
                return mask, None
            out = np.zeros(self.size)
            for word in q.words:
                self._term(q.fieldname, word).add_scores(out, 1.0)
            out[~mask] = 0.0
            return mask, out * q.boost
        if isinstance(q, wq.AndMaybe):
            mask, out = self.evaluate(q.a, scores)
            if scores:
                optional_mask, optional = self.evaluate(q.b, True)
                out = out + np.where(mask & optional_mask, optional, 0.0)
                out *= q.boost
            return mask, out
        if isinstance(q, wq.AndNot):
            mask, out = self.evaluate(q.a, scores)
            negative, _ = self.evaluate(q.b, False)
            mask = mask & ~negative
            if scores:
                out = np.where(mask, out, 0.0) * q.boost
            return mask, out
        if (
            type(q) in (wq.And, wq.Or)
            and not getattr(q, "minmatch", 0)
            and not getattr(q, "scale", None)
        ):
            return self._compound(q, scores)
        if q is wq.NullQuery or isinstance(q, type(wq.NullQuery)):
            return np.zeros(self.size, dtype=bool), (np.zeros(self.size) if scores else None)
        raise _Unsupported(q)

    def _compound(self, q, scores: bool):
        # Whoosh adds the parts' scores. Terms are added straight into one
        # array, a term repeated in the query once with its boosts summed,
        # and And counts how many parts each document matched instead of
        # intersecting one mask per part.
        intersect = isinstance(q, wq.And)
        terms: dict[tuple[str, str], float] = {}
        others = []
        for sub in q.subqueries:
            if isinstance(sub, wq.Term):
                key = (sub.fieldname, sub.text)
                terms[key] = terms.get(key, 0.0) + sub.boost
            else:
                others.append(sub)
        out = np.zeros(self.size) if scores else None
        hits = np.zeros(self.size, dtype=np.uint16 if intersect else bool)
        for (fieldname, text), boost in terms.items():
            term = self._term(fieldname, text)
            term.mark(hits)
            if scores:
                term.add_scores(out, boost)
        for sub in others:
            sub_mask, sub_scores = self.evaluate(sub, scores)
            if intersect:
                hits += sub_mask
            else:
                hits |= sub_mask
            if scores:
                out += sub_scores
        mask = hits == len(terms) + len(others) if intersect else hits
        if not (terms or others):
            mask = np.zeros(self.size, dtype=bool)
        if not scores:
            return mask, None
        if intersect:
            out[~mask] = 0.0
        if q.boost != 1:
            out *= q.boost
        return mask, out


class VietnameseWhooshBackend(WhooshSearchBackend):
    def __init__(self, connection_alias, **connection_options):
        super().__init__(connection_alias, **connection_options)
        self._lock = threading.RLock()
        self._searcher = None
        self._cache: FacetCache | None = None
        self._segments: dict[str, _Segment] = {}
        # Decoded posting lists: at 100,000 articles a common word takes
        # about a second to decode from Whoosh's blocks and 0.6 MB to keep.
        cache_mb = int(getattr(settings, "PORTAL_SEARCH_CACHE_MB", SEARCH_CACHE_MB))
        self._postings = _LRU(cache_mb * 1024 * 1024)
        self._decoded = _DecodedStore(self.path)
        self._decoded_for: set[str] | None = None  # the segments it was last tidied for

    # -- schema ---------------------------------------------------------

    def build_schema(self, fields):
        schema_fields = {
            ID: WHOOSH_ID(stored=True, unique=True),
            DJANGO_CT: WHOOSH_ID(stored=True),
            DJANGO_ID: WHOOSH_ID(stored=True),
        }
        content_field_name = ""
        for _, field_class in fields.items():
            name = field_class.index_fieldname
            field_type = field_class.field_type
            is_facet = getattr(field_class, "facet_for", None) or field_class.faceted
            if field_type == "analyzed":
                schema_fields[name] = analyzed_text_field(
                    positions=field_class.positions,
                    folded=name.endswith("folded"),
                    boost=field_class.boost,
                )
            elif field_type == "keywords" or (is_facet and field_class.is_multivalued):
                schema_fields[name] = KEYWORD(commas=True, lowercase=False, scorable=False)
            elif is_facet or (field_type == "string" and not field_class.document):
                # Whole values: facets and filters must not be tokenized.
                schema_fields[name] = WHOOSH_ID(stored=False)
            elif field_type == "integer":
                schema_fields[name] = NUMERIC(numtype=int, bits=32, sortable=True, signed=False)
            else:
                schema_fields[name] = TEXT(analyzer=_TokenAnalyzer(), phrase=False)
            if field_class.document:
                content_field_name = name
        return content_field_name, Schema(**schema_fields)

    def setup(self):
        super().setup()
        self.parser = QueryParser(self.content_field_name, schema=self.schema)

    # -- writing ----------------------------------------------------------

    def open_writer(self, timeout: float | None = None):
        """A writer holding the index's write lock; raises LockError after ``timeout``."""
        if not self.setup_complete:
            self.setup()
        if timeout is None:
            timeout = settings.PORTAL_INDEX_LOCK_TIMEOUT
        # Separate segment files: readers copy a compound segment into memory.
        return self.index.writer(timeout=timeout, delay=0.05, compound=False)

    def document_fields(self, index, obj) -> dict:
        """The Whoosh fields of ``obj``'s document, as every write path stores them."""
        doc = index.full_prepare(obj)
        doc.pop("boost", None)
        return {k: self._to_field(k, v) for k, v in doc.items()}

    def write_documents(self, writer, index, objs: Iterable) -> int:
        count = 0
        for obj in objs:
            writer.update_document(**self.document_fields(index, obj))
            count += 1
        return count

    def _to_field(self, name: str, value):
        if isinstance(value, (list, tuple, set)):
            return ",".join(str(v) for v in value)
        if isinstance(value, int) and not isinstance(self.schema[name], NUMERIC):
            return str(value)
        return self._from_python(value)

    def delete_documents(self, writer, pks: Iterable[int]) -> None:
        for pk in pks:
            writer.delete_by_term(ID, f"articles.article.{pk}")

    def update(self, index, iterable, commit=True):
        objs = list(iterable)
        if not objs:
            return
        writer = self.open_writer()
        try:
            self.write_documents(writer, index, objs)
            writer.commit()
        except BaseException:
            writer.cancel()
            raise

    def remove(self, obj_or_string, commit=True):
        whoosh_id = get_identifier(obj_or_string)
        writer = self.open_writer()
        try:
            writer.delete_by_term(ID, whoosh_id)
            writer.commit()
        except BaseException:
            writer.cancel()
            raise

    def clear(self, models=None, commit=True):
        with self._lock:
            self._close_searcher()
            super().clear(models=models, commit=commit)
            if not self.setup_complete or not self.index.doc_count():
                self.setup_complete = False
                self.setup()

    def delete_index(self):
        with self._lock:
            self._close_searcher()
            super().delete_index()

    # -- reading ----------------------------------------------------------

    def _close_searcher(self) -> None:
        if self._searcher is not None:
            self._searcher.close()
        self._searcher = None
        self._cache = None

    def searcher(self):
        """The process's searcher, refreshed when another writer committed."""
        with self._lock:
            if not self.setup_complete:
                self.setup()
            if self._searcher is None:
                self.index = self.storage.open_index(schema=self.schema)
                self._searcher = self._pinned(self.index.searcher(weighting=BM25F(B=0.75, K1=1.2)))
                self._cache = None
            elif not self._searcher.up_to_date():
                self._searcher = self._pinned(self._searcher.refresh())
                self._cache = None
            return self._searcher

    @staticmethod
    def _pinned(searcher, attempts: int = 20):
        """``searcher`` with its segments' files open, or a newer one.

        While the searcher is still the newest generation after its files
        were opened, no writer can have deleted any of them first.
        """
        for _ in range(attempts):
            for reader, _offset in searcher.reader().leaf_readers():
                _pin_columns(reader)
            if searcher.up_to_date():
                break
            searcher = searcher.refresh()
        return searcher

    def facet_cache(self) -> FacetCache:
        """The current searcher's arrays, rebuilt (from per-segment parts) after a change."""
        with self._lock:
            searcher = self.searcher()
            if self._cache is None or self._cache.searcher is not searcher:
                self._cache = FacetCache(self, searcher)
                current = {segment.segid for _, segment, _ in self._cache.parts}
                for segid in [s for s in self._segments if s not in current]:
                    del self._segments[segid]
                if current != self._decoded_for:
                    self._decoded.forget_segments(current)
                    self._decoded_for = current
                self._postings.drop(lambda key: key[0] not in current)
            return self._cache

    def _segment(self, reader) -> _Segment:
        segid = reader.segment().segment_id()
        segment = self._segments.get(segid)
        if segment is None:
            segment = self._segments[segid] = _Segment(reader)
        return segment

    def django_id(self, docnum: int) -> int:
        with self._lock:
            cache = self.facet_cache()
            return self._django_id(cache.searcher, cache, docnum)

    @staticmethod
    def _django_id(searcher, cache: FacetCache, docnum: int) -> int:
        # Docnums belong to one generation: read them through the snapshot
        # they came from, never a newer one (another process may have
        # committed in the meantime). The ids are kept per segment.
        reader, segment, offset = cache.part_of(docnum)
        local = docnum - offset
        pk = segment.django_ids.get(local)
        if pk is None:
            pk = int(reader.stored_fields(local)[DJANGO_ID])
            segment.django_ids[local] = pk
        return pk

    def spellings(self) -> Mapping[str, str]:
        """Folded syllable or word -> its most frequent spelling in the index.

        Looked up one key at a time (see ``_Spellings``), never by reading
        the whole vocabulary, which takes seconds at 100,000 articles.
        """
        with self._lock:
            cache = self.facet_cache()
            if cache.spellings is None:
                cache.spellings = _Spellings(cache.searcher.reader())
            return cache.spellings

    def doc_count(self) -> int:
        return self.facet_cache().doc_count

    def run_query(
        self,
        q: wq.Query | None,
        *,
        score: wq.Query | None = None,
        exclude: wq.Query | None = None,
        filters: dict[str, Sequence[str]] | None = None,
        year_range: tuple[int | None, int | None] | None = None,
        facet_fields: Sequence[str] = FACET_FIELDS,
        sort: str = "relevance",
        offset: int = 0,
        limit: int = 20,
    ) -> RawHits:
        """Match, filter, count facets and rank in one pass over cached arrays.

        ``q=None`` matches every document; ``exclude`` removes its matches;
        ``score`` (a superset of ``q``'s clauses) ranks the hits. Within a
        facet the selected values are OR-ed, across facets AND-ed; each facet
        is counted with the other facets' filters only, so its counts stay
        honest while selected.
        """
        with self._lock:
            # One snapshot for the whole query: calling searcher() again could
            # refresh it and close the one this query is reading.
            cache = self.facet_cache()
            searcher = cache.searcher
            return self._run_query(
                cache,
                searcher,
                q,
                score,
                exclude,
                filters,
                year_range,
                facet_fields,
                sort,
                offset,
                limit,
            )

    def _run_query(
        self,
        cache: FacetCache,
        searcher,
        q,
        score,
        exclude,
        filters: dict[str, Sequence[str]] | None,
        year_range: tuple[int | None, int | None] | None,
        facet_fields: Sequence[str],
        sort: str,
        offset: int,
        limit: int,
    ) -> RawHits:
        matched = self._match(cache, q, exclude)

        restrictions: dict[str, np.ndarray] = {}
        for name, selected in (filters or {}).items():
            if selected:
                restrictions[name] = cache.value_mask(name, [str(v) for v in selected])
        if year_range and any(y is not None for y in year_range):
            low, high = year_range
            years = [
                value
                for value in cache.facets.get("year", ([], None))[0]
                if value.isdigit()
                and (low is None or int(value) >= low)
                and (high is None or int(value) <= high)
            ]
            restrictions["_year_range"] = cache.value_mask("year", years)

        def restricted(skip: str | None = None) -> np.ndarray:
            result = matched
            for name, mask in restrictions.items():
                if name != skip:
                    result = result & mask
            return result

        hits = restricted()
        facets = {name: cache.counts(name, restricted(skip=name)) for name in facet_fields}
        hit_ids = np.flatnonzero(hits)
        wanted = offset + limit
        if sort in {"newest", "oldest"} or q is None:
            ranked = self._by_date(cache, hit_ids, sort, wanted)[offset:]
        else:
            ranked = self._rank(cache, score or q, hit_ids, wanted)[offset:]
        return RawHits(
            total=len(hit_ids),
            hits=[(self._django_id(searcher, cache, d), s) for d, s in ranked],
            facets=facets,
        )

    def _match(self, cache: FacetCache, q, exclude) -> np.ndarray:
        try:
            matched = cache.live.copy() if q is None else cache.evaluate(q, False)[0] & cache.live
            if exclude is not None:
                matched &= ~cache.evaluate(exclude, False)[0]
            return matched
        except _Unsupported:
            pass
        matched = cache.live.copy()
        if q is not None:
            found = np.zeros(cache.size, dtype=bool)
            found[list(cache.searcher.docs_for_query(q))] = True
            matched &= found
        if exclude is not None:
            matched[list(cache.searcher.docs_for_query(exclude))] = False
        return matched

    @staticmethod
    def _by_date(cache: FacetCache, hit_ids: np.ndarray, sort: str, wanted: int):
        if not len(hit_ids) or wanted <= 0:
            return []
        pub = cache.pub[hit_ids]
        stride = np.int64(cache.size + 1)
        if sort == "oldest":
            # Undated articles last; equal dates in index order.
            key = np.where(pub == 0, 10**7, pub) * stride + hit_ids
        else:
            key = -(pub * stride + hit_ids)
        if len(key) > wanted:
            chosen = np.argpartition(key, wanted - 1)[:wanted]
        else:
            chosen = np.arange(len(key))
        chosen = chosen[np.argsort(key[chosen], kind="stable")]
        return [(int(hit_ids[i]), 0.0) for i in chosen]

    def _rank(self, cache: FacetCache, q, hit_ids: np.ndarray, wanted: int):
        if not len(hit_ids) or wanted <= 0:
            return []
        try:
            _, scores = cache.evaluate(q, True)
        except _Unsupported:
            return self._rank_with_whoosh(cache, q, hit_ids, wanted)
        scored = np.round(scores[hit_ids], 6)
        candidates = hit_ids
        if len(scored) > wanted:
            # Everything tied with the last one shown competes on recency.
            threshold = np.partition(scored, len(scored) - wanted)[len(scored) - wanted]
            keep = scored >= threshold
            candidates, scored = hit_ids[keep], scored[keep]
        order = np.lexsort((candidates, -cache.pub[candidates], -scored))[:wanted]
        return [(int(candidates[i]), float(scored[i])) for i in order]

    @staticmethod
    def _rank_with_whoosh(cache: FacetCache, q, hit_ids: np.ndarray, wanted: int):
        # A few extra so that ties at the page edge can be broken by recency.
        results = cache.searcher.search(
            q, limit=wanted + 10, filter=set(hit_ids.tolist()), terms=False
        )
        scored = [(hit.docnum, round(hit.score, 6)) for hit in results]
        scored.sort(key=lambda item: (-item[1], -cache.pub[item[0]]))
        return scored[:wanted]

    # -- haystack's search API ------------------------------------------------

    def search(
        self,
        query_string,
        sort_by=None,
        start_offset=0,
        end_offset=None,
        fields="",
        highlight=False,
        facets=None,
        date_facets=None,
        query_facets=None,
        narrow_queries=None,
        spelling_query=None,
        within=None,
        dwithin=None,
        distance_point=None,
        models=None,
        limit_to_registered_models=None,
        result_class=None,
        **kwargs,
    ):
        """haystack's contract, on top of ``run_query``.

        ``query_string`` is in Whoosh syntax as haystack's query builder
        writes it; ``*`` (or ``*:*``) matches everything without an
        ``Every`` query. Narrow queries become document sets.
        """
        if not self.setup_complete:
            self.setup()
        query_string = (query_string or "").strip()
        if not query_string:
            return {"results": [], "hits": 0, "facets": {}, "spelling_suggestion": None}
        q = None if query_string in {"*", "*:*"} else self.parser.parse(query_string)
        if q is not None and q is wq.NullQuery:
            return {"results": [], "hits": 0, "facets": {}, "spelling_suggestion": None}
        for narrow in narrow_queries or ():
            nq = self.parser.parse(str(narrow))
            q = nq if q is None else wq.And([q, nq])

        sort = "relevance"
        if sort_by:
            first = sort_by[0]
            if first.lstrip("-") in {"pub", "date"}:
                sort = "newest" if first.startswith("-") else "oldest"
        offset = start_offset or 0
        limit = (end_offset - offset) if end_offset is not None else 20
        raw = self.run_query(
            q,
            facet_fields=[f.removesuffix("_exact") for f in (facets or ())],
            sort=sort,
            offset=offset,
            limit=max(limit, 0),
        )
        result_class = result_class or SearchResult
        results = []
        highlights = {}
        if highlight and raw.hits:
            from articles.search.highlight import highlight_articles

            highlights = highlight_articles([pk for pk, _ in raw.hits], query_string)
        for pk, score in raw.hits:
            extra = {}
            if highlight:
                extra["highlighted"] = {self.content_field_name: [highlights.get(pk, "")]}
            results.append(result_class("articles", "article", str(pk), score, **extra))
        facet_counts = {"fields": {}, "dates": {}, "queries": {}}
        for requested in facets or ():
            counts = raw.facets.get(requested.removesuffix("_exact"), {})
            facet_counts["fields"][requested] = sorted(
                counts.items(), key=lambda item: (-item[1], item[0])
            )
        return {
            "results": results,
            "hits": raw.total,
            "facets": facet_counts,
            "spelling_suggestion": None,
        }


class VietnameseWhooshSearchQuery(WhooshSearchQuery):
    def clean(self, query_fragment):
        # Our analyzer tokenizes on whitespace only; reserved characters
        # (the hyphen of 43/2011/NĐ-CP among them) are handled by it.
        return super().clean(query_fragment)


class VietnameseWhooshEngine(BaseEngine):
    backend = VietnameseWhooshBackend
    query = VietnameseWhooshSearchQuery


def get_backend() -> VietnameseWhooshBackend:
    from haystack import connections

    return connections["default"].get_backend()


def fold_terms(terms: Iterable[str]) -> list[str]:
    return [fold(t) for t in terms]
