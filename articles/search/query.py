"""Reader query syntax, parsed: the words, phrases, exclusions and OR groups.

Syntax people know: words (all must match, best first), "exact phrases",
-exclusion, OR between two alternatives. Any input is accepted: unbalanced
quotes, lone operators, markup and control characters are read as plain
text or ignored, never an error.

``articles.search.planner`` turns the parsed query into a plan for the
search engine. Abbreviations are expanded both ways from the
``Abbreviation`` table.
"""

from __future__ import annotations

import re
import unicodedata
from dataclasses import dataclass, field

from articles.analysis import analyze, canonical_abbreviation
from articles.caching import ProcessCache
from articles.text import fold, has_diacritics

MAX_QUERY_CHARS = 400
MAX_CLAUSES = 24

_TOKEN_RE = re.compile(r'-?"[^"]*"?|\S+')
_VOWELS = re.compile(r"[aeiouy]")
_CONTROL_RE = re.compile(r"[\x00-\x1f\x7f-\x9f\u200b-\u200f\u2028-\u202e\ufeff]")


@dataclass
class Clause:
    syllables: list[str]  # normalized, lowercased, with diacritics as typed
    raw: str = ""

    @property
    def folded(self) -> list[str]:
        return [fold(s) for s in self.syllables]


@dataclass
class Group:
    """Alternatives, any of which satisfies the group."""

    alternatives: list[Clause]
    explicit_phrase: bool = False


@dataclass
class ParsedQuery:
    text: str
    required: list[Group] = field(default_factory=list)
    excluded: list[Clause] = field(default_factory=list)

    @property
    def is_empty(self) -> bool:
        return not self.required and not self.excluded

    @property
    def match_all(self) -> bool:
        return not self.required

    @property
    def terms(self) -> list[str]:
        """Every positive syllable, for highlighting."""
        seen: list[str] = []
        for group in self.required:
            for clause in group.alternatives:
                for s in clause.syllables:
                    if s not in seen:
                        seen.append(s)
        return seen

    @property
    def sequences(self) -> list[tuple[str, ...]]:
        """The query's words in a row, folded: each alternative, and all of them."""
        runs = [tuple(c.folded) for group in self.required for c in group.alternatives]
        plain = [g.alternatives[0] for g in self.required if len(g.alternatives) == 1]
        whole = tuple(s for c in plain for s in c.folded)
        if len(whole) > 1:
            runs.append(whole)
        return list(dict.fromkeys(runs))

    @property
    def typed_without_diacritics(self) -> bool:
        # What was typed, not the expansions of its abbreviations.
        return bool(self.required) and not has_diacritics(self.text)


def clean_query_text(text: str) -> str:
    text = unicodedata.normalize("NFC", text or "")
    text = _CONTROL_RE.sub(" ", text)
    return " ".join(text.split())[:MAX_QUERY_CHARS]


def _clause(text: str) -> Clause | None:
    syllables = [s for s in analyze(text, use_segmenter=False).syllables if s]
    # Document numbers add their parts after the whole; a query wants the whole.
    if syllables and "/" in syllables[0]:
        syllables = syllables[:1]
    return Clause(syllables, raw=text) if syllables else None


def parse(text: str, abbreviations: dict[str, list[str]] | None = None) -> ParsedQuery:
    cleaned = clean_query_text(text)
    parsed = ParsedQuery(text=cleaned)
    pending_or = False
    for token in _TOKEN_RE.findall(cleaned):
        if token in {"OR", "|", "||"}:
            pending_or = bool(parsed.required)
            continue
        negated = token.startswith("-") and len(token) > 1
        body = token[1:] if negated else token
        is_phrase = body.startswith('"')
        clause = _clause(body.strip('"'))
        if clause is None:
            continue
        if negated:
            parsed.excluded.append(clause)
        elif pending_or:
            parsed.required[-1].alternatives.append(clause)
        else:
            parsed.required.append(Group([clause], explicit_phrase=is_phrase))
        pending_or = False
        if len(parsed.required) + len(parsed.excluded) >= MAX_CLAUSES:
            break
    if abbreviations:
        _expand_abbreviations(parsed, abbreviations)
    return parsed


def _expand_abbreviations(parsed: ParsedQuery, table: dict[str, list[str]]) -> None:
    """CNTT finds "công nghệ thông tin" and the other way round."""
    # Short forms that could be ordinary syllables (TƯ, IOC) expand only when
    # typed in capitals; those without a vowel (BTS, CĐS) cannot be, and
    # expand however typed. Short forms under three letters are never
    # offered for their expansion.
    by_expansion = {
        tuple(fold(s) for s in syl): short for short, syl in table.items() if len(short) >= 3
    }
    for group in parsed.required:
        for clause in list(group.alternatives):
            if len(clause.syllables) == 1:
                short = canonical_abbreviation(clause.syllables[0])
                expansion = table.get(short)
                if expansion and (
                    len(short) >= 4 or clause.raw.isupper() or not _VOWELS.search(fold(short))
                ):
                    group.alternatives.append(Clause(list(expansion)))
            short = by_expansion.get(tuple(clause.folded))
            if short and len(clause.syllables) > 1:
                group.alternatives.append(Clause([short]))
    # Plain consecutive words spelling out an expansion become one group.
    changed = True
    while changed:
        changed = False
        singles = parsed.required
        for start in range(len(singles)):
            for expansion, short in by_expansion.items():
                end = start + len(expansion)
                window = singles[start:end]
                if len(window) != len(expansion) or len(expansion) < 2:
                    continue
                if all(
                    len(g.alternatives) == 1
                    and len(g.alternatives[0].syllables) == 1
                    and not g.explicit_phrase
                    and g.alternatives[0].folded[0] == expansion[i]
                    for i, g in enumerate(window)
                ):
                    phrase = Clause([g.alternatives[0].syllables[0] for g in window])
                    merged = Group([phrase, Clause([short])])
                    parsed.required[start:end] = [merged]
                    changed = True
                    break
            if changed:
                break


# -- the abbreviation table, read from the database --------------------------


def _load_abbreviations() -> dict[str, list[str]]:
    from articles.models import Abbreviation

    table = {}
    for abbr in Abbreviation.objects.filter(enabled=True):
        expansion = analyze(abbr.expansion, use_segmenter=False).syllables
        for form in [abbr.short, *abbr.variants]:
            key = canonical_abbreviation(form)
            if key:
                table[key] = expansion
    return table


_abbreviations = ProcessCache(_load_abbreviations)


def abbreviation_table() -> dict[str, list[str]]:
    """canonical short form → syllables of the expansion (variants included)."""
    return _abbreviations.get()


def forget_abbreviations() -> None:
    _abbreviations.forget()
