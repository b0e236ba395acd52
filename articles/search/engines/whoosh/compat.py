"""Every use of a Whoosh internal, in one place, checked when the process starts.

The engine reads Whoosh's postings, column files and field lengths straight
into numpy arrays and writes segments from several processes; Whoosh has no
public API for either. Everything that reaches past its public API is here,
behind small functions, and ``check()`` (run by ``ArticlesConfig.ready``
when the Whoosh engine is configured) verifies the installed Whoosh is the
version these were written for and still has each name, on a real
throwaway index. A mismatch stops the process with a message saying what
is missing: nothing falls back silently to a slower or wrong path.
"""

from __future__ import annotations

import inspect
import pickle
import tempfile
from array import array
from collections.abc import Iterator
from dataclasses import dataclass

import numpy as np
import whoosh
from whoosh.codec.whoosh3 import (
    LENGTHS_COLUMN,
    STORED_COLUMN,
    W3LeafMatcher,
    W3PostingsWriter,
    _lenfield,
)
from whoosh.columns import TranslatingColumnReader
from whoosh.formats import Frequency
from whoosh.scoring import BM25F
from whoosh.system import pack_uint
from whoosh.util.numeric import byte_to_length, length_to_byte
from whoosh.writing import SegmentWriter

SUPPORTED_VERSIONS = {(2, 7, 4)}


class WhooshIncompatible(RuntimeError):
    """The installed Whoosh lacks an internal this engine relies on."""


# -- postings -----------------------------------------------------------------


def leaf_matcher(matcher):
    """The block reader under a (possibly deletion-filtered) postings matcher."""
    while not isinstance(matcher, W3LeafMatcher):
        child = getattr(matcher, "child", None)
        if child is None:
            raise WhooshIncompatible(f"unexpected postings matcher {type(matcher).__name__}")
        matcher = child
    return matcher


@dataclass
class Block:
    ids: np.ndarray  # int64, absolute within the segment
    weights: np.ndarray  # float64
    values: list  # encoded posting values (positions), or [] when not wanted


def posting_blocks(matcher, with_values: bool) -> Iterator[Block]:
    """The postings of a leaf matcher, a block at a time, without per-posting calls."""
    matcher = leaf_matcher(matcher)
    while matcher.is_active():
        if matcher._data is None:
            matcher._read_data()
        block_ids, block_weights, block_values = matcher._data
        count = matcher._blocklength
        ids = np.asarray(block_ids, dtype=np.int64)
        if not matcher._byteids:
            ids = np.cumsum(ids)  # stored as gaps
        if block_weights is None:
            weights = np.ones(count)
        elif isinstance(block_weights, float):
            weights = np.full(count, block_weights)
        else:
            weights = np.asarray(block_weights, dtype=np.float64)
        yield Block(ids, weights, list(block_values) if with_values else [])
        if matcher._lastblock:
            break
        matcher._goto(matcher._nextoffset)


def decode_positions(value: bytes) -> list[int]:
    """The gaps between a posting's positions, as Whoosh's Positions format stores them.

    The value is a 4-byte count followed by the pickled list of gaps; the
    trailing pickle STOP may be trimmed.
    """
    body = value[4:]
    return pickle.loads(body if body.endswith(b".") else body + b".")


# -- per-document columns ---------------------------------------------------------


def numeric_column(column_reader, size: int) -> np.ndarray:
    """A fixed-width numeric column of a segment, read in one go."""
    raw = column_reader._dbfile.get(
        column_reader._basepos, column_reader._count * column_reader._fixedlen
    )
    values = np.frombuffer(raw, dtype=np.dtype(column_reader._typecode).newbyteorder(">"))
    values = values.astype(np.int64)
    if len(values) < size:
        values = np.concatenate([values, np.zeros(size - len(values), dtype=np.int64)])
    return values[:size]


LENGTH_OF_BYTE = np.array([byte_to_length(b) for b in range(256)], dtype=np.float64)


def field_length_codes(reader, fieldname: str, size: int) -> np.ndarray | None:
    """Each document's byte-encoded length of ``fieldname``, or None when not stored."""
    column = reader._perdoc._cached_reader(_lenfield(fieldname), LENGTHS_COLUMN)
    if column is None:
        return None
    return numeric_column(column, size)


def open_columns(reader) -> None:
    """Open every column file of a segment now rather than when first read.

    Whoosh opens column files lazily, but a writer in another process
    deletes a merged-away segment's files as soon as its new generation is
    written. An open file survives its deletion; an unopened one is gone.
    """
    perdoc = reader._perdoc
    segment = reader.segment()
    columns = {"_stored": STORED_COLUMN}
    if "pub" in reader.schema:
        columns["pub"] = reader.schema["pub"].column_type
    columns.update({_lenfield(name): LENGTHS_COLUMN for name in segment._fieldlengths})
    for name, column in columns.items():
        if name in perdoc._readers or not perdoc.has_column(name):
            continue
        try:
            perdoc._readers[name] = perdoc.column_reader(name, column)
        except OSError:
            # Deleted between the two calls: the caller sees its searcher is
            # out of date and opens the newer generation instead.
            continue


def numeric_values(reader, name: str, size: int) -> np.ndarray | None:
    """A sortable numeric field of a segment as an array (through the file
    ``open_columns`` opened), or None when the segment has no such column."""
    raw = reader._perdoc._readers.get(name)
    if raw is None:
        if not reader.has_column(name):
            return None
        raw = reader.column_reader(name, translate=False)
    if isinstance(raw, TranslatingColumnReader):
        raw = raw.raw_column()
    if getattr(reader.schema[name], "signed", False):
        # Whoosh shifts signed numbers in their column; the engine's only
        # numeric column (``pub``) is unsigned and stored as is.
        raise WhooshIncompatible(f"numeric column {name!r} must be unsigned")
    return numeric_column(raw, size)


# -- scoring ----------------------------------------------------------------------


def bm25_parameters(weighting: BM25F, fieldname: str) -> tuple[float, float]:
    """(B, K1) that Whoosh's BM25F uses for ``fieldname``."""
    return weighting._field_B.get(fieldname, weighting.B), weighting.K1


# -- writing ------------------------------------------------------------------------

encode_frequency = pack_uint


class SegmentBuilder:
    """One new segment written from documents, as ``SegmentWriter`` writes it,
    without its posting pool.

    Whoosh's writer puts every posting into a pool that sorts runs of them,
    pickles each run to a temporary file and merges them back, then reads
    each document's field length back from disk per posting: two thirds of
    a build's time (cProfile of a rebuild worker). Here the postings of the
    segment are kept in compact arrays per field (``_FieldPostings``) and
    handed to the codec's field writer in term order at the end, a block at
    a time (``_BlockWriter``), with the lengths known from adding them. The
    files written are the same bytes (``check()`` at every start and
    ``tests/test_segment_builder.py``).
    """

    def __init__(self, index) -> None:
        self.writer = SegmentWriter(index, _lk=False, compound=False)
        self.schema = self.writer.schema
        self.perdoc = self.writer.perdocwriter
        self.docnum = self.writer.docnum
        self.fields: dict[str, _FieldPostings] = {}

    def add_document(self, fields: dict) -> None:
        schema, perdoc, docnum = self.schema, self.perdoc, self.docnum
        perdoc.start_doc(docnum)
        for fieldname in sorted(name for name in fields if not name.startswith("_")):
            value = fields[fieldname]
            if value is None:
                continue
            field = schema[fieldname]
            length = 0
            if field.indexed:
                postings = self.fields.get(fieldname)
                if postings is None:
                    postings = self.fields[fieldname] = _FieldPostings(field)
                # A field that counts its own tokens (the search schema's
                # pre-analyzed text) skips a tuple per posting.
                counter = getattr(field, "token_counts", None)
                counts = counter(value) if counter is not None else None
                length = None
                if counts is not None:
                    length = postings.add_counts(docnum, counts, field.scorable)
                if length is None:
                    length = postings.add(docnum, field.index(value), field.scorable)
            perdoc.add_field(fieldname, field, value if field.stored else None, length)
            column = field.column_type
            if column:
                perdoc.add_column_value(fieldname, column, field.to_column_value(value))
        perdoc.finish_doc()
        self.writer._added = True
        self.docnum += 1
        self.writer.docnum = self.docnum

    def finish(self):
        """Write the postings and close the segment (not committed: the parent lists it)."""
        writer = self.writer
        self.perdoc.close()
        fieldwriter = writer.fieldwriter
        for fieldname in sorted(self.fields):
            postings = self.fields.pop(fieldname)
            if postings.terms:  # as Whoosh: a field without postings is not listed
                postings.write(fieldwriter, fieldname, self.schema[fieldname])
        fieldwriter.close()
        writer._close_segment()
        return writer.get_segment()


# Postings turned into Python objects at a time when a field is written.
WRITE_CHUNK = 65_536


class _EncodedCounts(dict):
    """The value Frequency (and the search schema's pre-analyzed text)
    encodes for each count, made when first asked for."""

    def __missing__(self, count: int) -> bytes:
        value = self[count] = encode_frequency(count)
        return value


class _FieldPostings:
    """A field's postings in the order added, compactly: term numbers, and
    for each posting either its count alone (a frequency field whose weight
    and value follow from the count, as an unboosted field's do) or its
    weight and encoded value, the values end to end in one buffer. Which
    documents the postings belong to is kept per document, not per posting."""

    def __init__(self, fieldobj) -> None:
        self.term_ids: dict[bytes, int] = {}
        self.terms = array("i")
        self.doc_numbers = array("i")
        self.doc_ends = array("I")  # postings of doc_numbers[k] end at doc_ends[k]
        self.lengths: dict[int, int] = {}  # document -> length, where scorable
        fmt = fieldobj.format
        # Counts alone while every posting is (count, weight == count, encode(count)).
        self.counts: array | None = array("H") if type(fmt) is Frequency else None
        self._encoded = _EncodedCounts()
        self.weights = array("d")
        self.ends = array("I")  # where each posting's value ends in ``blob``
        self.blob = bytearray()

    def add(self, docnum: int, items, scorable: bool) -> int:
        items = list(items)
        if self.counts is not None and not self._add_counts(items):
            self._keep_values()
        if self.counts is None:
            self._add_values(items)
        return self._end_document(docnum, sum(freq for _, freq, _, _ in items) if scorable else 0)

    def add_counts(self, docnum: int, counts: dict[str, int], scorable: bool) -> int | None:
        """A document's postings as token counts: its length, or None (and
        nothing added) when they cannot be kept as counts alone."""
        if self.counts is None or (counts and max(counts.values()) > 0xFFFF):
            return None
        term = self._term
        self.terms.extend([term(token.encode("utf-8")) for token in counts])
        self.counts.extend(counts.values())
        return self._end_document(docnum, sum(counts.values()) if scorable else 0)

    def _end_document(self, docnum: int, length: int) -> int:
        self.doc_numbers.append(docnum)
        self.doc_ends.append(len(self.terms))
        if length:
            # What Whoosh's writer reads back for each posting: the length
            # as stored, one byte on a logarithmic scale.
            self.lengths[docnum] = byte_to_length(length_to_byte(length))
        return length

    def _term(self, tbytes: bytes) -> int:
        term = self.term_ids.get(tbytes)
        if term is None:
            term = self.term_ids[tbytes] = len(self.term_ids)
        return term

    def _add_counts(self, items) -> bool:
        # The value a count gets from Frequency (and from PreAnalyzedText).
        encoded = self._encoded
        for _, freq, weight, vbytes in items:
            if weight != freq or vbytes != encoded[freq] or freq > 0xFFFF:
                return False
        term = self._term
        self.terms.extend([term(tbytes) for tbytes, _, _, _ in items])
        self.counts.extend([freq for _, freq, _, _ in items])
        return True

    def _add_values(self, items) -> None:
        term, terms, weights, ends, blob = (
            self._term,
            self.terms,
            self.weights,
            self.ends,
            self.blob,
        )
        for tbytes, _, weight, vbytes in items:
            terms.append(term(tbytes))
            weights.append(weight)
            if vbytes:
                blob += vbytes
            ends.append(len(blob))

    def _keep_values(self) -> None:
        """From counts alone to weights and values, for the postings so far."""
        for freq in self.counts:
            self.weights.append(float(freq))
            self.blob += self._encoded[freq]
            self.ends.append(len(self.blob))
        self.counts = None

    def write(self, fieldwriter, fieldname: str, fieldobj) -> None:
        # The values as bytes, the buffer let go of before anything else is
        # made: a worker's peak memory is reached while writing.
        blob, self.blob = bytes(self.blob), bytearray()
        # Terms in byte order, each term's postings in document order.
        by_bytes = sorted(self.term_ids.items())
        rank = np.empty(len(by_bytes), dtype=np.int32)
        rank[[term for _, term in by_bytes]] = np.arange(len(by_bytes), dtype=np.int32)
        ranks = rank[np.frombuffer(self.terms, dtype=np.int32)]
        order = np.argsort(ranks, kind="stable")
        term_ends = np.cumsum(np.bincount(ranks, minlength=len(by_bytes))).tolist()
        per_doc = np.diff(np.frombuffer(self.doc_ends, dtype=np.uint32), prepend=0)
        doc_numbers = np.frombuffer(self.doc_numbers, dtype=np.int32)
        docs = np.repeat(doc_numbers, per_doc)
        length_of = np.zeros(int(doc_numbers.max()) + 1 if len(doc_numbers) else 1, dtype=np.int64)
        for doc, length in self.lengths.items():
            length_of[doc] = length
        postings = self._postings(order, docs, length_of, blob)
        fieldwriter.start_field(fieldname, fieldobj)
        blocks = _BlockWriter(fieldwriter)
        total = len(order)
        chunk: tuple[list, ...] = ([], [], [], [])
        chunk_start = chunk_end = 0
        start = 0
        for (tbytes, _), end in zip(by_bytes, term_ends, strict=True):
            fieldwriter.start_term(tbytes)
            for block_start in range(start, end, blocks.limit):
                block_end = min(block_start + blocks.limit, end)
                if block_end > chunk_end:
                    chunk_start, chunk_end = block_start, min(block_start + WRITE_CHUNK, total)
                    chunk = postings(chunk_start, chunk_end)
                a, b = block_start - chunk_start, block_end - chunk_start
                blocks.fill(chunk[0][a:b], chunk[1][a:b], chunk[2][a:b], chunk[3][a:b])
                if block_end < end:
                    blocks.write()
            # The term's last block is written by the codec, flagged as last.
            fieldwriter.finish_term()
            start = end
        fieldwriter.finish_field()

    def _postings(self, order, docs, length_of, blob: bytes):
        """A function giving the postings ``order[start:end]`` as lists:
        documents, weights, values and lengths (as Python objects only a
        chunk at a time: for a whole field they would take hundreds of MB)."""
        counts = np.frombuffer(self.counts, dtype=np.uint16) if self.counts is not None else None
        weights = np.frombuffer(self.weights, dtype=np.float64)
        ends = np.frombuffer(self.ends, dtype=np.uint32)
        encoded = self._encoded

        def postings(start: int, end: int) -> tuple[list, ...]:
            chosen = order[start:end]
            chunk_docs = docs[chosen]
            lengths = length_of[chunk_docs].tolist()
            if counts is not None:
                chunk_counts = counts[chosen].tolist()
                chunk_weights = [float(c) for c in chunk_counts]
                values = [encoded[c] for c in chunk_counts]
            else:
                chunk_weights = weights[chosen].tolist()
                value_ends = ends[chosen].tolist()
                value_starts = np.where(chosen > 0, ends[chosen - 1], 0).tolist()
                values = [blob[a:b] for a, b in zip(value_starts, value_ends, strict=True)]
            return chunk_docs.tolist(), chunk_weights, values, lengths

        return postings


class _BlockWriter:
    """Fills the codec's block buffer a block at a time.

    ``W3PostingsWriter.add_posting`` buffers one posting per Python call
    (about 2,000 per article) and keeps each block's statistics as it goes;
    here a whole block is set at once (writing a 5,000-article segment:
    3.4 → 2.8 CPU ms per article), with
    the statistics ``add_posting`` would have kept, and the codec's own
    ``_write_block`` and ``finish_postings`` turn it into bytes.
    """

    def __init__(self, fieldwriter) -> None:
        self.postings = fieldwriter._postwriter
        self.limit = self.postings._blocklimit

    def fill(self, ids: list, weights: list, values: list, lengths: list) -> None:
        postings = self.postings
        postings._ids = array("I", ids)
        postings._weights = array("f", weights)
        postings._values = [value for value in values if value]
        heaviest = max(weights)
        postings._maxweight = heaviest if heaviest > 0 else 0
        known = [length for length in lengths if length]
        postings._minlength = min(known) if known else None
        postings._maxlength = max(known) if known else 0

    def write(self) -> None:
        self.postings._write_block()


def segment_writer(index, **options) -> SegmentWriter:
    """Whoosh's own writer of one new segment, taking no lock (what
    ``SegmentBuilder`` is checked against)."""
    return SegmentWriter(index, _lk=False, **options)


def finalize_segment(writer: SegmentWriter):
    """Write a worker's segment to disk without committing it (the parent
    does); its temporary files stay until the parent's commit removes them,
    since every writer of the index shares one temporary folder."""
    return writer._finalize_segment()


# -- the check ----------------------------------------------------------------------

_CLASS_ATTRIBUTES = {
    W3LeafMatcher: ("_read_data", "_goto", "is_active"),
    W3PostingsWriter: ("_write_block", "finish_postings"),
    BM25F: ("idf",),
    SegmentWriter: (
        "_finalize_segment",
        "_close_segment",
        "per_document_reader",
        "temp_storage",
        "get_segment",
    ),
}


def check() -> None:
    """Refuse to run on a Whoosh whose internals differ from what the engine reads."""
    version = tuple(whoosh.__version__)
    if version not in SUPPORTED_VERSIONS:
        shown = ".".join(map(str, version))
        raise WhooshIncompatible(
            f"Whoosh {shown} is installed; the search engine supports "
            f"{', '.join('.'.join(map(str, v)) for v in sorted(SUPPORTED_VERSIONS))} "
            "(see requirements.txt)."
        )
    missing = [
        f"{cls.__name__}.{name}"
        for cls, names in _CLASS_ATTRIBUTES.items()
        for name in names
        if not hasattr(cls, name)
    ]
    if not hasattr(BM25F(), "_field_B"):
        missing.append("BM25F._field_B")
    if "_lk" not in inspect.signature(SegmentWriter.__init__).parameters:
        missing.append("SegmentWriter(_lk=)")
    missing += _check_on_an_index()
    if missing:
        raise WhooshIncompatible(
            "The installed Whoosh lacks internals the search engine reads: " + ", ".join(missing)
        )


def _check_on_an_index() -> list[str]:
    """Write a two-document index and read it back the way the engine does."""
    from whoosh.fields import NUMERIC, TEXT, Schema
    from whoosh.index import create_in

    missing: list[str] = []
    with tempfile.TemporaryDirectory(prefix="whoosh-check-") as folder:
        schema = Schema(
            body=TEXT(phrase=True), pub=NUMERIC(numtype=int, bits=32, sortable=True, signed=False)
        )
        ix = create_in(folder, schema)
        writer = ix.writer()
        writer.add_document(body="bưu chính viễn thông", pub=7)
        writer.add_document(body="viễn thông", pub=9)
        writer.commit()
        with ix.searcher() as searcher:
            reader = searcher.reader()
            for attribute in ("_perdoc", "segment"):
                if not hasattr(reader, attribute):
                    missing.append(f"SegmentReader.{attribute}")
            if missing:
                return missing
            perdoc = reader._perdoc
            for attribute in ("_readers", "_cached_reader", "has_column", "column_reader"):
                if not hasattr(perdoc, attribute):
                    missing.append(f"PerDocumentReader.{attribute}")
            if not hasattr(reader.segment(), "_fieldlengths"):
                missing.append("Segment._fieldlengths")
            if missing:
                return missing
            try:
                matcher = reader.postings("body", "thông")
                blocks = list(posting_blocks(matcher, with_values=True))
                if [b.ids.tolist() for b in blocks] != [[0, 1]]:
                    missing.append("W3LeafMatcher block layout")
                elif decode_positions(blocks[0].values[1]) != [1]:
                    missing.append("Positions value encoding")
                open_columns(reader)
                pub = numeric_values(reader, "pub", 2)
                if pub is None or pub.tolist() != [7, 9]:
                    missing.append("numeric column layout")
                if field_length_codes(reader, "body", 2) is None:
                    missing.append("field length column")
            except (AttributeError, TypeError, ValueError) as exc:
                missing.append(f"postings/columns ({type(exc).__name__}: {exc})")
        # A rebuild worker's segment, listed by the parent's commit; the
        # builder's segment must be the bytes Whoosh's writer writes.
        # More documents than a postings block holds (128), so that a term
        # spans blocks.
        documents = [
            {"body": "báo chí báo chí xuất bản", "pub": 11},
            {"body": "bưu chính", "pub": 12},
            *({"body": "tin " * (n % 4 + 1), "pub": n} for n in range(300)),
        ]
        try:
            worker = segment_writer(ix, compound=False)
            for fields in documents:
                worker.add_document(**fields)
            reference = finalize_segment(worker)
            builder = SegmentBuilder(ix)
            for fields in documents:
                builder.add_document(fields)
            built = builder.finish()
        except (AttributeError, TypeError) as exc:
            return [*missing, f"segment writing ({type(exc).__name__}: {exc})"]
        if _segment_bytes(ix.storage, reference) != _segment_bytes(ix.storage, built):
            missing.append("SegmentBuilder writes other bytes than SegmentWriter")
        ix.writer().commit(mergetype=lambda writer, existing: [*existing, built])
        if ix.doc_count() != 2 + len(documents):
            missing.append("segments written apart and committed together")
        ix.storage.close()
    return missing


def _segment_bytes(storage, segment) -> list[bytes]:
    prefix = f"{segment.indexname}_{segment.segid}"
    names = sorted(name for name in storage.list() if name.startswith(prefix))
    return [name[len(prefix) :].encode() + storage.open_file(name).read() for name in names]
