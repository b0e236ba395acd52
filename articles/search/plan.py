"""The engine-neutral query plan: what to match, how to score, what to count.

The reader's words become a ``QueryPlan`` in ``articles.search.planner``;
every engine (``articles.search.engines``) runs the same plan, Whoosh here
and OpenSearch on a cluster, and returns an ``EngineResult``. Field names are
the search document's (``articles.search_indexes``): pre-analyzed token
fields (``text``, ``text_folded``, ``title_folded`` …) and whole-value
facet fields (``province``, ``year``, ``fields``).

Scoring is the same sum in every engine: each clause that matches adds its
boost times the BM25 score of its terms (all of a phrase's terms when the
phrase matches). Required groups must match; optional groups and scoring
clauses only add to the score. When ``minimum_votes`` is set, a document
must also match optional groups whose ``votes`` add up to at least that
(a minimum-should-match weighted by how much each group says).
"""

from __future__ import annotations

from collections.abc import Mapping
from dataclasses import dataclass, field

FACET_FIELDS = ("province", "year", "fields")
SORTS = ("relevance", "newest", "oldest")


@dataclass(frozen=True)
class Clause:
    """Terms of one field: a single term, or several in a row (a phrase)."""

    field: str
    terms: tuple[str, ...]
    boost: float = 1.0

    @property
    def is_phrase(self) -> bool:
        return len(self.terms) > 1


@dataclass(frozen=True)
class Group:
    """One thing the reader asked for (a word, a quoted phrase, an abbreviation
    and its expansion …): any of its alternatives satisfies it."""

    alternatives: tuple[Clause, ...]
    required: bool = True
    votes: int = 1  # its weight in ``QueryPlan.minimum_votes``
    # A place: says where, not what (the planner weighs it less when relaxing).
    place: bool = False
    # Alternatives that satisfy it only among the best partial matches
    # (a province's today's unit: the provinces merged into it).
    broader: tuple[Clause, ...] = ()


@dataclass(frozen=True)
class QueryPlan:
    groups: tuple[Group, ...] = ()  # none: every document
    scoring: tuple[Clause, ...] = ()  # add to the score where they match
    exclude: tuple[Clause, ...] = ()  # documents matching any of these are left out
    # Optional groups must carry at least this many votes (0: any one of them).
    minimum_votes: int = 0
    # Within a facet the selected values are OR-ed, across facets AND-ed.
    filters: Mapping[str, tuple[str, ...]] = field(default_factory=dict)
    year_range: tuple[int | None, int | None] = (None, None)
    # Each facet is counted with the other facets' filters only.
    facets: tuple[str, ...] = FACET_FIELDS
    sort: str = "relevance"  # "newest"/"oldest": by date; relevance ties broken by date
    offset: int = 0
    limit: int = 20

    @property
    def matches_everything(self) -> bool:
        return not self.groups

    @property
    def ranked(self) -> bool:
        return self.sort == "relevance" and not self.matches_everything


@dataclass
class EngineResult:
    total: int
    hits: list[tuple[int, float]]  # (article id, score), in order
    facets: dict[str, dict[str, int]]  # facet -> value -> count
