"""The reader's query as a plan any engine can run.

Matching: each thing the reader asked for is a group that must match, on
the folded (diacritic-free) syllables, so "chuyen doi so" and "chuyển đổi
số" match the same articles. A word, a quoted phrase, an OR's alternatives,
an abbreviation and its expansion are each a group; a province's name
("Bình Định", "binh dinh", "Đắc Lắc", "TP.HCM") is one group whose syllables
must be in a row, or which the article's metadata answers (a province's
newspaper need not print its own name). Words may also be answered by the
metadata (ICT field, year).

Ranking: what matched scores (BM25), and so do, where they match, the
query's syllables in a row (adjacent pairs, pyvi words, the whole phrase),
the exact diacritics, the title and the metadata. Each piece of evidence
counts once, and an expansion the reader did not type counts half, so that
one abbreviation does not outweigh the rest of a long question. A query
typed without diacritics is first spelled as the archive would
(``diacritics.restore``), so that it ranks as the same query typed with
them: the ranking of "chuyen doi so" is that of "chuyển đổi số".

When every group is required and few articles match, ``relaxed`` asks only
for groups carrying a third of the query's weight (by the rarity of their
words), any of them; a phrase counts word by word, a province only scores,
and a province's articles are joined by those of the provinces merged
into it in 2025. These best partial matches follow the articles that hold
every word, labelled as such on the page.
"""

from __future__ import annotations

import math
from collections.abc import Callable, Mapping
from dataclasses import dataclass, field, replace

from articles.provinces import PlaceName, places_by_syllables
from articles.search.plan import Clause, Group, QueryPlan
from articles.search.query import ParsedQuery, abbreviation_table, parse
from articles.text import fold, has_diacritics

MAX_SEQUENCE = 8  # longest run of query words also scored as one phrase
# Share of the query's weight (sum of its groups' idf) that a match of the
# relaxed plan must carry, and the votes a unit of idf is worth. Measured on
# tests/relevance/real: any share from 0.3 to 0.4 ranks alike; at 0.5 long
# questions lose their near matches.
RELAXED_SHARE = 0.33
VOTES_PER_IDF = 2


@dataclass(frozen=True)
class Weights:
    """The boosts of the scoring clauses (see the module docstring)."""

    title: float = 1.0
    title_exact: float = 0.5
    title_pair: float = 2.0
    title_phrase: float = 3.0
    exact: float = 1.0
    pair: float = 2.0
    pair_exact: float = 1.0
    word: float = 1.0
    word_exact: float = 1.0
    phrase: float = 2.0
    meta: float = 1.0
    meta_name: float = 3.0
    expansion: float = 0.5


WEIGHTS = Weights()


@dataclass
class _Unit:
    """A group of the query: alternatives as syllables (normalized, lowercase)."""

    alternatives: list[list[str]]
    place: PlaceName | None = None
    phrase: bool = False  # typed in quotes
    spelled: list[list[str]] = field(default_factory=list)  # alternatives, diacritics restored


def _units(parsed: ParsedQuery, places: Mapping[tuple[str, ...], PlaceName]) -> list[_Unit]:
    units = [
        _Unit([list(c.syllables) for c in g.alternatives], phrase=g.explicit_phrase)
        for g in parsed.required
    ]
    # Runs of plain one-word groups that spell a province's name become one group.
    longest = max((len(k) for k in places), default=0)
    merged: list[_Unit] = []
    i = 0
    while i < len(units):
        found = None
        for n in range(min(longest, len(units) - i), 1, -1):
            window = units[i : i + n]
            if all(len(u.alternatives) == 1 and len(u.alternatives[0]) == 1 for u in window):
                key = tuple(fold(u.alternatives[0][0]) for u in window)
                if key in places:
                    found = (n, places[key], [u.alternatives[0][0] for u in window])
                    break
        if found:
            n, place, syllables = found
            merged.append(_Unit([syllables], place=place))
            i += n
            continue
        # A name typed as one quoted phrase or one token group is a name too.
        unit = units[i]
        if len(unit.alternatives) == 1:
            key = tuple(fold(s) for s in unit.alternatives[0])
            unit.place = places.get(key) if len(key) > 1 else None
        merged.append(unit)
        i += 1
    return merged


def _match_alternatives(unit: _Unit) -> list[Clause]:
    clauses = [Clause("text_folded", tuple(fold(s) for s in alt)) for alt in unit.alternatives]
    if unit.place is not None:
        for spelling in unit.place.spellings:
            clauses.append(Clause("text_folded", spelling))
        clauses.append(Clause("meta", (unit.place.token,)))
    elif len(unit.alternatives) == 1 and len(unit.alternatives[0]) == 1:
        clauses.append(Clause("meta", (fold(unit.alternatives[0][0]),)))
    return list(dict.fromkeys(clauses))


def _syllable_scoring(syllables: list[str], weights: Weights) -> list[Clause]:
    """Evidence for each syllable by itself: in the title, with its exact diacritics."""
    out: list[Clause] = []
    for s in syllables:
        out.append(Clause("title_folded", (fold(s),), weights.title))
        if has_diacritics(s):
            out.append(Clause("text", (s,), weights.exact))
            out.append(Clause("title_syllables", (s,), weights.title_exact))
    return out


def _run_scoring(syllables: list[str], weights: Weights) -> list[Clause]:
    """Evidence for syllables typed in a row: adjacent pairs, pyvi's words,
    the pairs in the title and the whole run as a phrase."""
    out: list[Clause] = []
    folded = [fold(s) for s in syllables]
    for i in range(len(folded) - 1):
        out.append(Clause("pairs_folded", (f"{folded[i]}_{folded[i + 1]}",), weights.pair))
        pair = syllables[i : i + 2]
        if any(has_diacritics(s) for s in pair):
            out.append(Clause("pairs", ("_".join(pair),), weights.pair_exact))
        out.append(Clause("title_folded", tuple(folded[i : i + 2]), weights.title_pair))
    for n in (2, 3, 4):
        for i in range(len(folded) - n + 1):
            out.append(Clause("words_folded", ("_".join(folded[i : i + n]),), weights.word))
            window = syllables[i : i + n]
            if any(has_diacritics(s) for s in window):
                out.append(Clause("words", ("_".join(window),), weights.word_exact))
    if 2 < len(folded) <= MAX_SEQUENCE:
        out.append(Clause("text_folded", tuple(folded), weights.phrase))
        out.append(Clause("title_folded", tuple(folded), weights.title_phrase))
    return out


def _distinct(clauses: list[Clause]) -> tuple[Clause, ...]:
    """Each clause once: the same evidence found twice (a unit's run and the
    whole query's) counts once, at its higher boost."""
    best: dict[tuple[str, tuple[str, ...]], Clause] = {}
    for clause in clauses:
        key = (clause.field, clause.terms)
        if key not in best or clause.boost > best[key].boost:
            best[key] = clause
    return tuple(best.values())


def _spell(units: list[_Unit], restore: Callable[[list[str]], list[str]] | None) -> None:
    """Each unit's alternatives with diacritics restored: the words as typed in
    one sequence (each read beside its neighbours), the rest one by one."""
    for unit in units:
        unit.spelled = [list(alt) for alt in unit.alternatives]
    if restore is None:
        return
    sequence = restore([s for unit in units for s in unit.alternatives[0]])
    start = 0
    for unit in units:
        end = start + len(unit.alternatives[0])
        unit.spelled[0] = sequence[start:end]
        start = end
        for i, alternative in enumerate(unit.alternatives[1:], 1):
            if not any(has_diacritics(s) for s in alternative):
                unit.spelled[i] = restore(alternative)


def plan_query(
    parsed: ParsedQuery,
    *,
    restore: Callable[[list[str]], list[str]] | None = None,
    places: Mapping[tuple[str, ...], PlaceName] | None = None,
    weights: Weights | None = None,
    **options,
) -> QueryPlan:
    """The plan of a parsed query; ``options`` are the plan's other fields
    (filters, facets, sort, offset, limit). ``restore`` (from
    ``articles.search.diacritics``) spells a query typed without diacritics
    as the archive would."""
    weights = weights or WEIGHTS
    exclude = tuple(Clause("text_folded", tuple(c.folded)) for c in parsed.excluded)
    if parsed.match_all:
        return QueryPlan(exclude=exclude, **options)
    units = _units(parsed, places if places is not None else places_by_syllables())
    _spell(units, restore if parsed.typed_without_diacritics else None)
    groups: list[Group] = []
    scoring: list[Clause] = []
    for unit in units:
        groups.append(
            Group(
                tuple(_match_alternatives(unit)),
                place=unit.place is not None,
                broader=(Clause("meta", (unit.place.unit,)),) if unit.place else (),
            )
        )
        for i, alternative in enumerate(unit.spelled):
            evidence = _syllable_scoring(alternative, weights) + _run_scoring(alternative, weights)
            if i and len(alternative) > 1 and weights.expansion != 1:
                evidence = [replace(c, boost=c.boost * weights.expansion) for c in evidence]
            scoring.extend(evidence)
        if unit.place is not None:
            scoring.append(Clause("meta", (unit.place.token,), weights.meta_name))
        elif len(unit.alternatives[0]) == 1:
            scoring.append(Clause("meta", (fold(unit.alternatives[0][0]),), weights.meta))
    # The words typed one after another, read as pairs, words and a phrase.
    sequence = [s for unit in units for s in unit.spelled[0]]
    if len(units) > 1:
        scoring.extend(_run_scoring(sequence, weights))
    return QueryPlan(groups=tuple(groups), scoring=_distinct(scoring), exclude=exclude, **options)


def _loosened(group: Group) -> tuple[Group, ...]:
    """A group whose words were typed as a phrase ("dịch vụ công trực tuyến",
    quoted or an abbreviation's expansion) as one group a word, for the best
    partial matches; its other alternatives (the abbreviation) answer each."""
    first, others = group.alternatives[0], group.alternatives[1:]
    if group.place or not first.is_phrase:
        return (group,)
    return tuple(
        Group((Clause(first.field, (term,)), *others)) for term in dict.fromkeys(first.terms)
    )


def relaxed(plan: QueryPlan, frequency: Callable[[Clause], int], documents: int) -> QueryPlan:
    """The plan with its groups optional, a match carrying ``RELAXED_SHARE``
    of their weight (see the module docstring).

    A group's weight is the idf of its commonest alternative, in votes
    (whole numbers, so that every engine counts them the same): "sở" weighs
    little, "Quảng Ngãi" much. Any groups that together reach the share
    will do; none is required by itself. A phrase typed in quotes is
    loosened into its words.
    """
    loosened = tuple(part for g in plan.groups for part in _loosened(g))
    if len(loosened) < 2:
        return plan

    def votes(group: Group) -> int:
        df = max(frequency(c) for c in group.alternatives)
        if df == 0:
            return 0  # no article has it: it cannot count for or against any
        return max(1, round(VOTES_PER_IDF * math.log((documents + 1) / (df + 0.5))))

    groups = tuple(
        replace(
            g,
            alternatives=g.alternatives + g.broader,
            broader=(),
            required=False,
            votes=votes(g),
        )
        for g in loosened
    )
    # A place says where, not what: an article from the place without the
    # topic's words is not what was asked for, the topic elsewhere may be.
    # Places only score, unless the query names nothing else.
    if any(not g.place and g.votes for g in groups):
        groups = tuple(replace(g, votes=0) if g.place else g for g in groups)
    total = sum(g.votes for g in groups)
    if not total:
        return plan
    needed = max(1, math.ceil(RELAXED_SHARE * total))
    return replace(plan, groups=groups, minimum_votes=needed)


def plan_for_text(text: str, **options) -> QueryPlan:
    """The plan of a query string, abbreviations expanded."""
    return plan_query(parse(text, abbreviation_table()), **options)
