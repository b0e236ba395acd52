"""A query plan as Whoosh queries: what must match, what scores, what is left out."""

from __future__ import annotations

from dataclasses import dataclass

from whoosh import query as wq

from articles.search.plan import Clause, Group, QueryPlan


@dataclass(frozen=True)
class Translated:
    match: wq.Query | None  # None: every document
    score: wq.Query | None  # match plus the optional, scoring parts
    exclude: wq.Query | None
    # Groups with their votes, and how many votes a match needs (0: no such rule).
    votes: tuple[tuple[wq.Query, int], ...] = ()
    minimum_votes: int = 0


def clause_query(clause: Clause) -> wq.Query:
    if clause.is_phrase:
        return wq.Phrase(clause.field, list(clause.terms), boost=clause.boost)
    return wq.Term(clause.field, clause.terms[0], boost=clause.boost)


def group_query(group: Group) -> wq.Query:
    alternatives = [clause_query(c) for c in group.alternatives]
    return alternatives[0] if len(alternatives) == 1 else wq.Or(alternatives)


def translate(plan: QueryPlan) -> Translated:
    exclude = wq.Or([clause_query(c) for c in plan.exclude]) if plan.exclude else None
    required = [group_query(g) for g in plan.groups if g.required]
    optional = [group_query(g) for g in plan.groups if not g.required]
    if not required and not optional:
        return Translated(None, None, exclude)
    if required:
        match = required[0] if len(required) == 1 else wq.And(required)
    else:
        match, optional = (optional[0] if len(optional) == 1 else wq.Or(optional)), []
    extra = [clause_query(c) for c in plan.scoring] + optional
    score = wq.AndMaybe(match, wq.Or(extra)) if extra else match
    votes: tuple[tuple[wq.Query, int], ...] = ()
    if plan.minimum_votes:
        votes = tuple((group_query(g), g.votes) for g in plan.groups if not g.required)
    return Translated(match, score, exclude, votes, plan.minimum_votes)
