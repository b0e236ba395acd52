"""A segment's postings as numpy arrays.

Whoosh hands postings out one at a time; reading its blocks whole (through
``compat``) is what makes a common word at 100,000 articles cost
milliseconds instead of a second.
"""

from __future__ import annotations

from collections.abc import Sequence

import numpy as np

from articles.search.engines.whoosh import compat

EMPTY_IDS = np.zeros(0, dtype=np.int64)


def read_postings(reader, fieldname: str, btext: bytes, positions: bool):
    """(ids, weights, positions or None) of a term in one segment.

    Deleted documents are included: callers mask them per snapshot. With
    ``positions``, the third value is (document of each position, position).
    """
    if (fieldname, btext) not in reader:
        return EMPTY_IDS, np.zeros(0), ((EMPTY_IDS, EMPTY_IDS) if positions else None)
    blocks = list(compat.posting_blocks(reader.postings(fieldname, btext), positions))
    ids = np.concatenate([b.ids for b in blocks]) if blocks else EMPTY_IDS
    weights = np.concatenate([b.weights for b in blocks]) if blocks else np.zeros(0)
    if not positions:
        return ids, weights, None
    values = [value for block in blocks for value in block.values]
    gaps: list[int] = []
    counts = np.empty(len(values), dtype=np.int64)
    for i, value in enumerate(values):
        decoded = compat.decode_positions(value)
        counts[i] = len(decoded)
        gaps.extend(decoded)
    if not gaps:
        return ids, weights, (EMPTY_IDS, EMPTY_IDS)
    # Gaps accumulate within each document, not across them.
    flat = np.cumsum(np.asarray(gaps, dtype=np.int64))
    starts = np.concatenate([[0], np.cumsum(counts)[:-1]])
    before = np.where(starts > 0, flat[np.maximum(starts - 1, 0)], 0)
    flat -= np.repeat(before, counts)
    return ids, weights, (np.repeat(ids, counts), flat)


def phrase_documents(reader, fieldname: str, field, words: Sequence[str]) -> np.ndarray:
    """Documents of a segment in which ``words`` occur one after another."""
    candidates = None
    decoded = []
    for i, word in enumerate(words):
        ids, _, where = read_postings(reader, fieldname, field.to_bytes(word), True)
        if not len(ids):
            return np.zeros(0, dtype=np.int32)
        candidates = ids if candidates is None else np.intersect1d(candidates, ids)
        if not len(candidates):
            return np.zeros(0, dtype=np.int32)
        decoded.append((i, where))
    # A phrase starts at p in document d when word i is at p + i for every i.
    starts = None
    stride = np.int64(1 << 32)
    for i, (docs, where) in decoded:
        keep = np.isin(docs, candidates)
        keys = np.unique(docs[keep] * stride + (where[keep] - i))
        starts = keys if starts is None else np.intersect1d(starts, keys, assume_unique=True)
        if not len(starts):
            return np.zeros(0, dtype=np.int32)
    return np.unique(starts // stride).astype(np.int32)
