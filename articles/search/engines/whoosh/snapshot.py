"""One generation of the index, as arrays: what every query reads.

What is kept, and for how long:

- per segment, for as long as the segment exists (segments never change;
  only their deletions do): each facet value's documents, the dates, the
  field lengths, the stored article ids, and the decoded posting lists and
  phrase matches asked for so far (the last two in a size-bounded LRU shared
  by all segments, and on disk in ``decoded/``). An edit adds a small
  segment, so a refresh decodes that one only.
- per snapshot (one generation): the live documents and those arrays laid
  end to end in the searcher's document numbers, the terms' BM25F scores
  (common terms as whole-index arrays), and the spellings looked up.

Scores are Whoosh's own BM25F: the same idf, average field lengths and
byte-encoded document lengths.
"""

from __future__ import annotations

import time
from bisect import bisect_right
from collections.abc import Iterable, Sequence
from dataclasses import dataclass

import numpy as np
from whoosh.fields import KEYWORD

from articles.search.engines.whoosh import compat
from articles.search.engines.whoosh.postings import EMPTY_IDS, phrase_documents, read_postings
from articles.search.engines.whoosh.schema import DJANGO_ID
from articles.search.engines.whoosh.store import LRU, DecodedStore
from articles.search.plan import FACET_FIELDS

# Scored terms of the current snapshot, per process: about 1.2 MB for a word
# found in every one of 100,000 articles. The ranking's pairs, words and title
# clauses need about 270 MB for the benchmark's 60-query mix at 100,000
# articles; at 112 MB the mix evicted its own terms and the page's p95 went
# from 25 ms to 250 ms.
TERM_CACHE_MB = 320
# A term in at least 1/DENSE_FRACTION of the documents is kept as whole-index
# arrays rather than ids and scores.
DENSE_FRACTION = 6


class Segment:
    """What the engine keeps about one segment while it exists."""

    def __init__(self, reader) -> None:
        self.segid = reader.segment().segment_id()
        self.size = reader.doc_count_all()
        pub = compat.numeric_values(reader, "pub", self.size) if "pub" in reader.schema else None
        self.pub = pub if pub is not None else np.zeros(self.size, dtype=np.int64)
        self.facets: dict[str, tuple[list[str], np.ndarray | list[np.ndarray]]] = {}
        for name in FACET_FIELDS:
            if name in reader.schema and reader.schema[name].indexed:
                self.facets[name] = self._facet(reader, name)
        self.lengths: dict[str, np.ndarray] = {}
        self.django_ids: dict[int, int] = {}

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
            codes = compat.field_length_codes(reader, fieldname, self.size)
            if codes is None:
                lengths = np.ones(self.size, dtype=np.float64)
            else:
                lengths = compat.LENGTH_OF_BYTE[codes]
                # Whoosh's scorer reads a missing length as 1.
                lengths[codes == 0] = 1.0
            self.lengths[fieldname] = lengths
        return lengths


def _compact_weights(weights: np.ndarray) -> np.ndarray:
    # Weights are term frequencies here: small whole numbers.
    if len(weights) and weights.max() < 65536 and np.all(weights == np.floor(weights)):
        return weights.astype(np.uint16)
    return weights.astype(np.float32)


@dataclass(slots=True)
class TermHits:
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
    def of(cls, ids: np.ndarray, scores: np.ndarray, size: int) -> TermHits:
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


class Snapshot:
    """One searcher's documents: its segments end to end, with their arrays."""

    def __init__(
        self,
        searcher,
        segments: dict[str, Segment],
        postings: LRU,
        decoded: DecodedStore,
        *,
        keep_all: bool = False,  # store every lookup on disk, not only slow ones
    ):
        self.searcher = searcher
        self.keep_all = keep_all
        self.schema = searcher.schema
        self._postings = postings
        self._decoded = decoded
        self.parts: list[tuple[object, Segment, int]] = []
        for reader, offset in searcher.reader().leaf_readers():
            if reader.segment() is None:  # an empty index has no segment yet
                continue
            segid = reader.segment().segment_id()
            segment = segments.get(segid)
            if segment is None:
                segment = segments[segid] = Segment(reader)
            self.parts.append((reader, segment, offset))
        self.offsets = [offset for _, _, offset in self.parts]
        self.size = searcher.reader().doc_count_all()
        self.live = np.zeros(self.size, dtype=bool)
        for reader, segment, offset in self.parts:
            live = np.ones(segment.size, dtype=bool)
            if reader.has_deletions():
                live[sorted(reader.segment().deleted_docs())] = False
            self.live[offset : offset + segment.size] = live
        self.pub = self._joined(lambda s: s.pub, np.int64)
        self.facets = {name: self._joined_facet(name) for name in FACET_FIELDS}
        self.weighting = searcher.weighting
        self._stats: dict[tuple[str, str], tuple[float, float]] = {}
        self._lengths: dict[str, np.ndarray] = {}
        # Scored terms of this snapshot, kept across queries: merging a
        # common word's postings from every segment and scoring them is
        # most of a query's work, and the result only changes with the
        # snapshot.
        self._terms = LRU(TERM_CACHE_MB * 1024 * 1024)
        self.spellings = None  # set by the engine on first use

    @property
    def segment_ids(self) -> set[str]:
        return {segment.segid for _, segment, _ in self.parts}

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

    # -- documents ----------------------------------------------------------------

    @property
    def doc_count(self) -> int:
        return int(np.count_nonzero(self.live))

    def article_id(self, docnum: int) -> int:
        """The article id of a document number of this snapshot.

        Document numbers belong to one generation: they are read through the
        snapshot they came from, never a newer one (another process may have
        committed in the meantime). The ids are kept per segment.
        """
        index = bisect_right(self.offsets, docnum) - 1
        reader, segment, offset = self.parts[index]
        local = docnum - offset
        pk = segment.django_ids.get(local)
        if pk is None:
            pk = int(reader.stored_fields(local)[DJANGO_ID])
            segment.django_ids[local] = pk
        return pk

    def article_ids(self) -> set[int]:
        return {self.article_id(int(d)) for d in np.flatnonzero(self.live)}

    # -- facets -------------------------------------------------------------------

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

    # -- terms ----------------------------------------------------------------------

    def term_stats(self, fieldname: str, text: str) -> tuple[float, float]:
        """(idf, average field length), exactly as Whoosh's BM25F scorer gets them."""
        key = (fieldname, text)
        stats = self._stats.get(key)
        if stats is None:
            searcher = self.searcher
            stats = (
                self.weighting.idf(searcher, fieldname, text),
                searcher.avg_field_length(fieldname) or 1,
            )
            self._stats[key] = stats
        return stats

    def doc_frequency(self, fieldname: str, text: str) -> int:
        if fieldname not in self.schema:
            return 0
        return self.searcher.doc_frequency(fieldname, text)

    def field_lengths(self, fieldname: str) -> np.ndarray:
        lengths = self._lengths.get(fieldname)
        if lengths is None:
            lengths = np.ones(self.size, dtype=np.float64)
            for reader, segment, offset in self.parts:
                lengths[offset : offset + segment.size] = segment.field_lengths(reader, fieldname)
            self._lengths[fieldname] = lengths
        return lengths

    def postings(self, fieldname: str, text: str) -> tuple[np.ndarray, np.ndarray]:
        """Ids (in this snapshot's numbering) and weights of a term's postings."""
        if fieldname not in self.schema:
            return EMPTY_IDS, np.zeros(0)
        btext = self.schema[fieldname].to_bytes(text)
        ids_parts, weight_parts = [], []
        for reader, segment, offset in self.parts:
            key = (segment.segid, fieldname, btext)
            item = self._postings.get(key)
            if item is None:
                item = self._decoded.load(segment.segid, key[1:])
                if item is None:
                    started = time.perf_counter()
                    ids, weights, _ = read_postings(reader, fieldname, btext, positions=False)
                    item = (ids.astype(np.int32), _compact_weights(weights))
                    if self._slow(started):
                        self._decoded.save(segment.segid, key[1:], item)
                        self._decoded.note("term", fieldname, text)
                self._postings.put(key, item, item[0].nbytes + item[1].nbytes + 64)
            ids_parts.append(item[0].astype(np.int64) + offset)
            weight_parts.append(item[1])
        if not ids_parts:
            return EMPTY_IDS, np.zeros(0)
        return np.concatenate(ids_parts), np.concatenate(weight_parts).astype(np.float64)

    def _slow(self, started: float) -> bool:
        return self.keep_all or time.perf_counter() - started > DecodedStore.SLOW_SECONDS

    def term_scores(self, fieldname: str, text: str, ids, weights) -> np.ndarray:
        if not len(ids):
            return np.zeros(0)
        if not self.schema[fieldname].scorable:
            return weights
        idf, avgfl = self.term_stats(fieldname, text)
        b, k1 = compat.bm25_parameters(self.weighting, fieldname)
        lengths = self.field_lengths(fieldname)[ids]
        return idf * ((weights * (k1 + 1)) / (weights + k1 * ((1 - b) + b * lengths / avgfl)))

    def term(self, fieldname: str, text: str) -> TermHits:
        """A term's documents and unboosted scores in this snapshot."""
        key = (fieldname, text)
        found = self._terms.get(key)
        if found is not None:
            return found
        ids, weights = self.postings(fieldname, text)
        term = TermHits.of(ids, self.term_scores(fieldname, text, ids, weights), self.size)
        self._terms.put(key, term, term.nbytes)
        return term

    def phrase_docs(self, fieldname: str, words: Sequence[str]) -> np.ndarray:
        if fieldname not in self.schema:
            return EMPTY_IDS
        key = ("phrase", fieldname, tuple(words))
        field = self.schema[fieldname]
        parts = []
        for reader, segment, offset in self.parts:
            seg_key = (segment.segid, *key)
            docs = self._postings.get(seg_key)
            if docs is None:
                stored = self._decoded.load(segment.segid, key)
                if stored is not None:
                    docs = stored[0]
                else:
                    started = time.perf_counter()
                    docs = phrase_documents(reader, fieldname, field, words)
                    if self._slow(started):
                        self._decoded.save(segment.segid, key, (docs,))
                        self._decoded.note("phrase", fieldname, list(words))
                self._postings.put(seg_key, docs, docs.nbytes + 64)
            parts.append(docs.astype(np.int64) + offset)
        return np.concatenate(parts) if parts else EMPTY_IDS
