"""Running a translated plan over a snapshot: match, filter, count, rank, page."""

from __future__ import annotations

import numpy as np

from articles.search.engines.whoosh.evaluate import Unsupported, evaluate
from articles.search.engines.whoosh.snapshot import Snapshot
from articles.search.engines.whoosh.translate import Translated
from articles.search.plan import QueryPlan

# Scores are compared at this precision, so that sums of the same terms in
# another order rank as ties (broken by recency) rather than by rounding.
SCORE_DIGITS = 6


def run(snapshot: Snapshot, query: Translated, plan: QueryPlan):
    """(total, [(document number, score)], facet counts) for one page of the plan."""
    matched = _match(snapshot, query)
    restrictions: dict[str, np.ndarray] = {}
    for name, selected in plan.filters.items():
        if selected:
            restrictions[name] = snapshot.value_mask(name, [str(v) for v in selected])
    low, high = plan.year_range
    if low is not None or high is not None:
        years = [
            value
            for value in snapshot.facets.get("year", ([], None))[0]
            if value.isdigit()
            and (low is None or int(value) >= low)
            and (high is None or int(value) <= high)
        ]
        restrictions["_year_range"] = snapshot.value_mask("year", years)

    def restricted(skip: str | None = None) -> np.ndarray:
        result = matched
        for name, mask in restrictions.items():
            if name != skip:
                result = result & mask
        return result

    hits = restricted()
    facets = {name: snapshot.counts(name, restricted(skip=name)) for name in plan.facets}
    hit_ids = np.flatnonzero(hits)
    wanted = plan.offset + plan.limit
    if plan.ranked and query.score is not None:
        ranked = rank(snapshot, query.score, hit_ids, wanted)[plan.offset :]
    else:
        ranked = by_date(snapshot, hit_ids, plan.sort, wanted)[plan.offset :]
    return len(hit_ids), ranked, facets


def _match(snapshot: Snapshot, query: Translated) -> np.ndarray:
    matched = snapshot.live.copy()
    if query.match is not None:
        matched &= _mask(snapshot, query.match)
    if query.exclude is not None:
        matched &= ~_mask(snapshot, query.exclude)
    if query.minimum_votes:
        votes = np.zeros(snapshot.size, dtype=np.int32)
        for group, weight in query.votes:
            votes += _mask(snapshot, group) * np.int32(weight)
        matched &= votes >= query.minimum_votes
    return matched


def _mask(snapshot: Snapshot, q) -> np.ndarray:
    try:
        return evaluate(snapshot, q, False)[0]
    except Unsupported:
        found = np.zeros(snapshot.size, dtype=bool)
        found[list(snapshot.searcher.docs_for_query(q))] = True
        return found


def by_date(snapshot: Snapshot, hit_ids: np.ndarray, sort: str, wanted: int):
    if not len(hit_ids) or wanted <= 0:
        return []
    pub = snapshot.pub[hit_ids]
    stride = np.int64(snapshot.size + 1)
    if sort == "oldest":
        # Undated articles last; equal dates in index order.
        key = np.where(pub == 0, 10**7, pub) * stride + hit_ids
    else:
        key = -(pub * stride + hit_ids)
    chosen = np.argpartition(key, wanted - 1)[:wanted] if len(key) > wanted else np.arange(len(key))
    chosen = chosen[np.argsort(key[chosen], kind="stable")]
    return [(int(hit_ids[i]), 0.0) for i in chosen]


def rank(snapshot: Snapshot, score, hit_ids: np.ndarray, wanted: int):
    if not len(hit_ids) or wanted <= 0:
        return []
    try:
        _, scores = evaluate(snapshot, score, True)
    except Unsupported:
        return rank_with_whoosh(snapshot, score, hit_ids, wanted)
    scored = np.round(scores[hit_ids], SCORE_DIGITS)
    candidates = hit_ids
    if len(scored) > wanted:
        # Everything tied with the last one shown competes on recency.
        threshold = np.partition(scored, len(scored) - wanted)[len(scored) - wanted]
        keep = scored >= threshold
        candidates, scored = hit_ids[keep], scored[keep]
    order = np.lexsort((candidates, -snapshot.pub[candidates], -scored))[:wanted]
    return [(int(candidates[i]), float(scored[i])) for i in order]


def rank_with_whoosh(snapshot: Snapshot, score, hit_ids: np.ndarray, wanted: int):
    """Whoosh's own scoring, for query nodes the array evaluation does not handle."""
    # Every hit scored: Whoosh 2.7's top-N collection with a filter misses
    # documents that belong in the top (the equivalence test showed another
    # top 10 with limit=20 than with no limit), and ties at the page edge
    # must be broken by recency anyway.
    results = snapshot.searcher.search(score, limit=None, filter=set(hit_ids.tolist()), terms=False)
    scored = [(hit.docnum, round(hit.score, SCORE_DIGITS)) for hit in results]
    scored.sort(key=lambda item: (-item[1], -snapshot.pub[item[0]], item[0]))
    return scored[:wanted]
