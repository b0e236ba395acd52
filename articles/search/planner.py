"""The reader's query as a plan any engine can run.

Matching is on the folded (diacritic-free) syllables, so "chuyen doi so" and
"chuyển đổi số" match the same documents; each word (or quoted phrase, or
OR-alternative, or abbreviation and its expansion) is a group that must
match. Ranking adds exact-diacritic, title, whole-word (adjacent syllables
indexed as one pyvi word) and whole-phrase evidence on top: scoring
clauses that only count where they match.
"""

from __future__ import annotations

from articles.search.plan import Clause, Group, QueryPlan
from articles.search.query import Clause as QueryClause
from articles.search.query import ParsedQuery, abbreviation_table, parse
from articles.text import fold, has_diacritics

MAX_SEQUENCE = 8  # longest run of query words also scored as one phrase


def _match_clause(clause: QueryClause) -> Clause:
    return Clause("text_folded", tuple(clause.folded))


def _boost_clauses(clause: QueryClause) -> list[Clause]:
    boosts: list[Clause] = []
    syllables, folded = clause.syllables, clause.folded
    for s, f in zip(syllables, folded, strict=True):
        boosts.append(Clause("title_folded", (f,), 3.0))
        if has_diacritics(s):
            boosts.append(Clause("text", (s,), 1.0))
            boosts.append(Clause("title_syllables", (s,), 1.5))
    for n in (2, 3, 4):
        for i in range(len(folded) - n + 1):
            boosts.append(Clause("words_folded", ("_".join(folded[i : i + n]),), 1.5))
            window = syllables[i : i + n]
            if any(has_diacritics(s) for s in window):
                boosts.append(Clause("words", ("_".join(window),), 1.5))
    if len(folded) > 1:
        boosts.append(Clause("title_folded", tuple(folded), 3.0))
    return boosts


def plan_query(parsed: ParsedQuery, **options) -> QueryPlan:
    """The plan of a parsed query; ``options`` are the plan's other fields
    (filters, facets, sort, offset, limit)."""
    exclude = tuple(_match_clause(c) for c in parsed.excluded)
    if parsed.match_all:
        return QueryPlan(exclude=exclude, **options)
    groups = []
    scoring: list[Clause] = []
    for group in parsed.required:
        groups.append(Group(tuple(_match_clause(c) for c in group.alternatives)))
        for clause in group.alternatives:
            scoring.extend(_boost_clauses(clause))
    # The words typed one after another, read as a phrase and as words.
    plain = [g.alternatives[0] for g in parsed.required if len(g.alternatives) == 1]
    sequence = [s for c in plain for s in c.syllables]
    if 1 < len(sequence) <= MAX_SEQUENCE and len(plain) > 1:
        scoring.extend(_boost_clauses(QueryClause(sequence)))
        scoring.append(Clause("text_folded", tuple(fold(s) for s in sequence), 2.0))
    return QueryPlan(groups=tuple(groups), scoring=tuple(scoring), exclude=exclude, **options)


def plan_for_text(text: str, **options) -> QueryPlan:
    """The plan of a query string, abbreviations expanded."""
    return plan_query(parse(text, abbreviation_table()), **options)
