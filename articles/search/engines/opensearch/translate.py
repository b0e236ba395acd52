"""A query plan as an OpenSearch request body (the query DSL).

The score is built as the Whoosh engine builds it (``plan`` module): each
matching clause adds its boost times its terms' BM25, required groups go in
``must``, optional groups and scoring clauses in ``should``. A relaxed
plan's weighted minimum-should-match is a filter in which each group
appears once per vote (distinct ``constant_score`` copies, so that none is
merged away) and ``minimum_should_match`` is the votes needed. Facet
filters go in ``post_filter`` and each facet is counted in an aggregation
filtered by the other facets only, so its own values stay selectable.
"""

from __future__ import annotations

import unicodedata
from itertools import product

from articles.search.engines.opensearch.mapping import FACET_SIZE
from articles.search.plan import Clause, Group, QueryPlan
from articles.text import fold

# The tone marks, and the vowels and consonant that other letters fold to.
TONE_MARKS = ("\u0300", "\u0301", "\u0309", "\u0303", "\u0323")
LETTERS = {"a": "aăâ", "e": "eê", "o": "oôơ", "u": "uư", "d": "dđ", "i": "i", "y": "y"}
VOWELS = set("aăâeêioôơuưy")
MAX_CANDIDATES = 400


def clause_query(clause: Clause) -> dict:
    if clause.is_phrase:
        return {
            "match_phrase": {clause.field: {"query": " ".join(clause.terms), "boost": clause.boost}}
        }
    return {"term": {clause.field: {"value": clause.terms[0], "boost": clause.boost}}}


def group_query(group: Group) -> dict:
    alternatives = [clause_query(c) for c in group.alternatives]
    if len(alternatives) == 1:
        return alternatives[0]
    return {"bool": {"should": alternatives, "minimum_should_match": 1}}


def _any_of(queries: list[dict]) -> dict:
    return (
        queries[0]
        if len(queries) == 1
        else {"bool": {"should": queries, "minimum_should_match": 1}}
    )


def _votes_filter(plan: QueryPlan) -> dict:
    copies = [
        {"constant_score": {"filter": group_query(group), "boost": copy + 1}}
        for group in plan.groups
        if not group.required
        for copy in range(group.votes)
    ]
    return {"bool": {"should": copies, "minimum_should_match": plan.minimum_votes}}


def _facet_filter(name: str, values: tuple[str, ...]) -> dict:
    if name == "year":
        return {"terms": {name: [int(v) for v in values if str(v).isdigit()]}}
    return {"terms": {name: [str(v) for v in values]}}


def _filters(plan: QueryPlan, skip: str | None = None) -> list[dict]:
    return [
        _facet_filter(name, tuple(values))
        for name, values in sorted(plan.filters.items())
        if values and name != skip
    ]


def query(plan: QueryPlan) -> dict:
    """What matches and how it scores; year range and exclusions included."""
    required = [group_query(g) for g in plan.groups if g.required]
    optional = [group_query(g) for g in plan.groups if not g.required]
    must: list[dict] = []
    should: list[dict] = []
    if required:
        must = required
        should = optional
    elif optional:
        must = [_any_of(optional)]
    if must:
        should = [clause_query(c) for c in plan.scoring] + should
    body: dict = {}
    if must:
        body["must"] = must
    if should:
        body["should"] = should
    restrict: list[dict] = []
    low, high = plan.year_range
    if low is not None or high is not None:
        bounds = {k: v for k, v in (("gte", low), ("lte", high)) if v is not None}
        restrict.append({"range": {"year": bounds}})
    if plan.minimum_votes:
        restrict.append(_votes_filter(plan))
    if restrict:
        body["filter"] = restrict
    if plan.exclude:
        body["must_not"] = [clause_query(c) for c in plan.exclude]
    if not body:
        return {"match_all": {}}
    return {"bool": body}


def _sort(plan: QueryPlan) -> list:
    if plan.ranked:
        return [{"_score": "desc"}, {"pub": "desc"}, {"django_id": "asc"}]
    if plan.sort == "oldest":
        return [{"pub": {"order": "asc", "missing": "_last"}}, {"django_id": "asc"}]
    return [{"pub": {"order": "desc", "missing": "_last"}}, {"django_id": "desc"}]


def request_body(plan: QueryPlan) -> dict:
    body: dict = {
        "query": query(plan),
        "from": plan.offset,
        "size": plan.limit,
        "sort": _sort(plan),
        "track_total_hits": True,
        "_source": False,
    }
    if not plan.ranked:
        body["track_scores"] = False
    post = _filters(plan)
    if post:
        body["post_filter"] = {"bool": {"filter": post}}
    aggregations = {}
    for name in plan.facets:
        others = _filters(plan, skip=name)
        values = {"terms": {"field": name, "size": FACET_SIZE}}
        aggregations[name] = {
            "filter": {"bool": {"filter": others}} if others else {"match_all": {}},
            "aggs": {"values": values},
        }
    if aggregations:
        body["aggs"] = aggregations
    return body


def counts_body(field: str, terms: list[str]) -> dict:
    """How many documents hold each term, in one request."""
    return {
        "size": 0,
        "track_total_hits": False,
        "aggs": {
            "terms": {"filters": {"filters": {term: {"term": {field: term}} for term in terms}}}
        },
    }


def spelling_candidates(folded: str) -> list[str]:
    """Every Vietnamese spelling that folds to ``folded``: each letter's
    vowel quality or đ, and no tone mark or one on a vowel (as the analysis
    places it, and anywhere else, so that none is missed)."""
    if not folded or any(not (ch.isalnum() and ch.isascii()) for ch in folded):
        return []
    options = [LETTERS.get(ch, ch) for ch in folded]
    count = 1
    for choice in options:
        count *= len(choice)
    vowels = sum(ch in "aeiouy" for ch in folded)
    if count * (1 + 5 * vowels) > MAX_CANDIDATES:
        return [folded]
    found: list[str] = []
    for letters in product(*options):
        found.append("".join(letters))
        for i, letter in enumerate(letters):
            if letter in VOWELS:
                for mark in TONE_MARKS:
                    toned = [*letters]
                    toned[i] = unicodedata.normalize("NFC", letter + mark)
                    found.append("".join(toned))
    return [spelling for spelling in dict.fromkeys(found) if fold(spelling) == folded]
