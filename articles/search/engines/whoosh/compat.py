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
from collections.abc import Iterator
from dataclasses import dataclass

import numpy as np
import whoosh
from whoosh.codec.whoosh3 import LENGTHS_COLUMN, STORED_COLUMN, W3LeafMatcher, _lenfield
from whoosh.columns import TranslatingColumnReader
from whoosh.scoring import BM25F
from whoosh.system import pack_uint
from whoosh.util.numeric import byte_to_length
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


def segment_writer(index, **options) -> SegmentWriter:
    """A writer of one new segment that takes no lock: a rebuild's worker,
    whose parent holds the new index and lists the segment when all are done."""
    return SegmentWriter(index, _lk=False, **options)


def finalize_segment(writer: SegmentWriter):
    """Write a worker's segment to disk without committing it (the parent
    does); its temporary files stay until the parent's commit removes them,
    since every writer of the index shares one temporary folder."""
    return writer._finalize_segment()


# -- the check ----------------------------------------------------------------------

_CLASS_ATTRIBUTES = {
    W3LeafMatcher: ("_read_data", "_goto", "is_active"),
    BM25F: ("idf",),
    SegmentWriter: ("_finalize_segment", "per_document_reader", "temp_storage"),
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
        # A rebuild worker's segment, listed by the parent's commit.
        worker = segment_writer(ix, compound=False)
        worker.add_document(body="báo chí", pub=11)
        segment = finalize_segment(worker)
        ix.writer().commit(mergetype=lambda writer, existing: [*existing, segment])
        if ix.doc_count() != 3:
            missing.append("segments written apart and committed together")
        ix.storage.close()
    return missing
