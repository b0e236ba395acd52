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
the exact diacritics, the title and the metadata. A query typed without
diacritics is given the archive's most frequent spelling of its words and
pairs first, so that it ranks as the same query typed with them.

When every group is required and few articles match, ``relaxed`` keeps only
the weightiest groups (by the rarity of their words) required and lets the
rest only score: the best partial matches, labelled as such on the page.
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
# Share of the query's weight (sum of its groups' idf) that the relaxed plan
# still requires.
RELAXED_SHARE = 0.6


@dataclass(frozen=True)
class Weights:
    """The boosts of the scoring clauses (see the module docstring)."""

    title: float = 3.0
    title_exact: float = 1.5
    title_phrase: float = 3.0
    exact: float = 1.0
    pair: float = 2.0
    pair_exact: float = 1.0
    word: float = 1.0
    word_exact: float = 1.0
    phrase: float = 2.0
    meta: float = 1.0
    meta_name: float = 3.0


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


def _restore(syllables: list[str], spellings: Mapping[str, str] | None) -> list[str]:
    """Syllables typed without diacritics, as the archive most often writes them.

    Pairs first ("chuyen doi" -> "chuyển đổi"), so that a syllable takes the
    spelling of the word it is part of.
    """
    if spellings is None or any(has_diacritics(s) for s in syllables):
        return syllables
    out = list(syllables)
    i = 0
    while i < len(syllables):
        if i + 1 < len(syllables):
            pair = spellings.get(f"{syllables[i]}_{syllables[i + 1]}")
            if pair and pair.count("_") == 1:
                out[i], out[i + 1] = pair.split("_")
                i += 2
                continue
        single = spellings.get(syllables[i])
        if single:
            out[i] = single
        i += 1
    return out


def _match_alternatives(unit: _Unit) -> list[Clause]:
    clauses = [Clause("text_folded", tuple(fold(s) for s in alt)) for alt in unit.alternatives]
    if unit.place is not None:
        for spelling in unit.place.spellings:
            clauses.append(Clause("text_folded", spelling))
        clauses.append(Clause("meta", (unit.place.token,)))
    elif len(unit.alternatives) == 1 and len(unit.alternatives[0]) == 1:
        clauses.append(Clause("meta", (fold(unit.alternatives[0][0]),)))
    return list(dict.fromkeys(clauses))


def _scoring(syllables: list[str], weights: Weights) -> list[Clause]:
    """Evidence for a run of query syllables: exact spellings, title, pairs, words, phrase."""
    out: list[Clause] = []
    folded = [fold(s) for s in syllables]
    for s, f in zip(syllables, folded, strict=True):
        out.append(Clause("title_folded", (f,), weights.title))
        if has_diacritics(s):
            out.append(Clause("text", (s,), weights.exact))
            out.append(Clause("title_syllables", (s,), weights.title_exact))
    for i in range(len(folded) - 1):
        out.append(Clause("pairs_folded", (f"{folded[i]}_{folded[i + 1]}",), weights.pair))
        pair = syllables[i : i + 2]
        if any(has_diacritics(s) for s in pair):
            out.append(Clause("pairs", ("_".join(pair),), weights.pair_exact))
    for n in (2, 3, 4):
        for i in range(len(folded) - n + 1):
            out.append(Clause("words_folded", ("_".join(folded[i : i + n]),), weights.word))
            window = syllables[i : i + n]
            if any(has_diacritics(s) for s in window):
                out.append(Clause("words", ("_".join(window),), weights.word_exact))
    if len(folded) > 1:
        out.append(Clause("title_folded", tuple(folded), weights.title_phrase))
    return out


def plan_query(
    parsed: ParsedQuery,
    *,
    spellings: Mapping[str, str] | None = None,
    places: Mapping[tuple[str, ...], PlaceName] | None = None,
    weights: Weights = WEIGHTS,
    **options,
) -> QueryPlan:
    """The plan of a parsed query; ``options`` are the plan's other fields
    (filters, facets, sort, offset, limit). ``spellings`` (the engine's)
    restores the diacritics of a query typed without them."""
    exclude = tuple(Clause("text_folded", tuple(c.folded)) for c in parsed.excluded)
    if parsed.match_all:
        return QueryPlan(exclude=exclude, **options)
    units = _units(parsed, places if places is not None else places_by_syllables())
    restoring = spellings if parsed.typed_without_diacritics else None
    groups: list[Group] = []
    scoring: list[Clause] = []
    for unit in units:
        unit.spelled = [_restore(alt, restoring) for alt in unit.alternatives]
        groups.append(Group(tuple(_match_alternatives(unit))))
        for alternative in unit.spelled:
            scoring.extend(_scoring(alternative, weights))
        if unit.place is not None:
            scoring.append(Clause("meta", (unit.place.token,), weights.meta_name))
        elif len(unit.alternatives[0]) == 1:
            scoring.append(Clause("meta", (fold(unit.alternatives[0][0]),), weights.meta))
    # The words typed one after another, read as a phrase and as pairs and words.
    sequence = [s for unit in units for s in unit.spelled[0]]
    if 1 < len(sequence) <= MAX_SEQUENCE and len(units) > 1:
        scoring.extend(_scoring(sequence, weights))
        scoring.append(Clause("text_folded", tuple(fold(s) for s in sequence), weights.phrase))
    return QueryPlan(groups=tuple(groups), scoring=tuple(scoring), exclude=exclude, **options)


def relaxed(plan: QueryPlan, frequency: Callable[[Clause], int], documents: int) -> QueryPlan:
    """The plan with only its weightiest groups required (see the module docstring).

    A group's weight is the idf of its commonest alternative: "sở" weighs
    little, "Quảng Ngãi" much. The groups are required from the heaviest down
    until they carry ``RELAXED_SHARE`` of the query's weight.
    """
    if len(plan.groups) < 2:
        return plan

    def weight(group: Group) -> float:
        df = max(frequency(c) for c in group.alternatives)
        return math.log((documents + 1) / (df + 0.5))

    weights = [weight(g) for g in plan.groups]
    total = sum(weights) or 1.0
    order = sorted(range(len(plan.groups)), key=lambda i: -weights[i])
    required: set[int] = set()
    carried = 0.0
    for i in order:
        if required and carried >= RELAXED_SHARE * total:
            break
        required.add(i)
        carried += weights[i]
    if len(required) == len(plan.groups):
        required.discard(order[-1])
    groups = tuple(replace(g, required=i in required) for i, g in enumerate(plan.groups))
    return replace(plan, groups=groups)


def plan_for_text(text: str, **options) -> QueryPlan:
    """The plan of a query string, abbreviations expanded."""
    return plan_query(parse(text, abbreviation_table()), **options)
