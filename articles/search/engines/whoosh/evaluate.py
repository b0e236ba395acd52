"""Whoosh query trees evaluated over a snapshot's arrays.

Matching and scoring a query with Whoosh's per-document matchers takes
seconds for a common word at 100,000 articles; over arrays it takes
milliseconds. The result is Whoosh's own: BM25F per term, summed the way
its matchers sum them (And, Or and phrases add their parts; AndMaybe adds
the optional part where it matches). The equivalence test compares both on
a generated corpus. Only the node types the translation of a query plan
produces are evaluated here; anything else is refused (``Unsupported``)
and answered by Whoosh itself, slowly but correctly.
"""

from __future__ import annotations

import numpy as np
from whoosh import query as wq

from articles.search.engines.whoosh.snapshot import Snapshot


class Unsupported(Exception):
    """A query node this evaluator does not handle; Whoosh answers instead."""


def evaluate(snapshot: Snapshot, q: wq.Query, scores: bool):
    """(mask of matching documents, their scores or None)."""
    size = snapshot.size
    if isinstance(q, wq.Term):
        term = snapshot.term(q.fieldname, q.text)
        mask = np.zeros(size, dtype=bool)
        term.mark(mask)
        if not scores:
            return mask, None
        out = np.zeros(size)
        term.add_scores(out, q.boost)
        return mask, out
    if isinstance(q, wq.Phrase):
        if q.slop != 1:
            raise Unsupported(q)
        if len(q.words) == 1:
            return evaluate(snapshot, wq.Term(q.fieldname, q.words[0], boost=q.boost), scores)
        docs = snapshot.phrase_docs(q.fieldname, q.words)
        mask = np.zeros(size, dtype=bool)
        mask[docs] = True
        if not scores:
            return mask, None
        out = np.zeros(size)
        for word in q.words:
            snapshot.term(q.fieldname, word).add_scores(out, 1.0)
        out[~mask] = 0.0
        return mask, out * q.boost
    if isinstance(q, wq.AndMaybe):
        mask, out = evaluate(snapshot, q.a, scores)
        if scores:
            optional_mask, optional = evaluate(snapshot, q.b, True)
            out = out + np.where(mask & optional_mask, optional, 0.0)
            out *= q.boost
        return mask, out
    if isinstance(q, wq.AndNot):
        mask, out = evaluate(snapshot, q.a, scores)
        negative, _ = evaluate(snapshot, q.b, False)
        mask = mask & ~negative
        if scores:
            out = np.where(mask, out, 0.0) * q.boost
        return mask, out
    if (
        type(q) in (wq.And, wq.Or)
        and not getattr(q, "minmatch", 0)
        and not getattr(q, "scale", None)
    ):
        return _compound(snapshot, q, scores)
    if q is wq.NullQuery or isinstance(q, type(wq.NullQuery)):
        return np.zeros(size, dtype=bool), (np.zeros(size) if scores else None)
    raise Unsupported(q)


def _compound(snapshot: Snapshot, q, scores: bool):
    # Whoosh adds the parts' scores. Terms are added straight into one
    # array, a term repeated in the query once with its boosts summed, and
    # And counts how many parts each document matched instead of
    # intersecting one mask per part.
    size = snapshot.size
    intersect = isinstance(q, wq.And)
    terms: dict[tuple[str, str], float] = {}
    others = []
    for sub in q.subqueries:
        if isinstance(sub, wq.Term):
            key = (sub.fieldname, sub.text)
            terms[key] = terms.get(key, 0.0) + sub.boost
        else:
            others.append(sub)
    out = np.zeros(size) if scores else None
    hits = np.zeros(size, dtype=np.uint16 if intersect else bool)
    for (fieldname, text), boost in terms.items():
        term = snapshot.term(fieldname, text)
        term.mark(hits)
        if scores:
            term.add_scores(out, boost)
    for sub in others:
        sub_mask, sub_scores = evaluate(snapshot, sub, scores)
        if intersect:
            hits += sub_mask
        else:
            hits |= sub_mask
        if scores:
            out += sub_scores
    mask = hits == len(terms) + len(others) if intersect else hits
    if not (terms or others):
        mask = np.zeros(size, dtype=bool)
    if not scores:
        return mask, None
    if intersect:
        out[~mask] = 0.0
    if q.boost != 1:
        out *= q.boost
    return mask, out
