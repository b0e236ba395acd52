"""Reader query syntax → Whoosh queries.

Syntax people know: words (all must match, best first), "exact phrases",
-exclusion, OR between two alternatives. Any input is accepted: unbalanced
quotes, lone operators, markup and control characters are read as plain
text or ignored, never an error.

Matching is on the folded (diacritic-free) fields, so "chuyen doi so" and
"chuyển đổi số" match the same documents; ranking adds exact-diacritic,
title, whole-word (adjacent syllables indexed as one pyvi word) and
whole-phrase evidence on top.
"""

from __future__ import annotations

import re
import unicodedata
from dataclasses import dataclass, field

from whoosh import query as wq

from articles.analysis import analyze, canonical_abbreviation
from articles.caching import ProcessCache
from articles.text import fold, has_diacritics

MAX_QUERY_CHARS = 400
MAX_CLAUSES = 24

_TOKEN_RE = re.compile(r'-?"[^"]*"?|\S+')
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
    def typed_without_diacritics(self) -> bool:
        return bool(self.required) and not any(has_diacritics(s) for s in self.terms)


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
    # Short forms that are also ordinary syllables (TƯ, TW) expand only when
    # typed in capitals, and are never offered for their expansion.
    by_expansion = {
        tuple(fold(s) for s in syl): short for short, syl in table.items() if len(short) >= 3
    }
    for group in parsed.required:
        for clause in list(group.alternatives):
            if len(clause.syllables) == 1:
                short = canonical_abbreviation(clause.syllables[0])
                expansion = table.get(short)
                if expansion and (len(short) >= 4 or clause.raw.isupper()):
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


def _match_clause(clause: Clause) -> wq.Query:
    folded = clause.folded
    if len(folded) == 1:
        return wq.Term("text_folded", folded[0])
    return wq.Phrase("text_folded", folded)


def _boost_clause(clause: Clause) -> list[wq.Query]:
    boosts: list[wq.Query] = []
    syllables, folded = clause.syllables, clause.folded
    for s, f in zip(syllables, folded, strict=True):
        boosts.append(wq.Term("title_folded", f, boost=3.0))
        if has_diacritics(s):
            boosts.append(wq.Term("text", s, boost=1.0))
            boosts.append(wq.Term("title_syllables", s, boost=1.5))
    for n in (2, 3, 4):
        for i in range(len(folded) - n + 1):
            boosts.append(wq.Term("words_folded", "_".join(folded[i : i + n]), boost=1.5))
            window = syllables[i : i + n]
            if any(has_diacritics(s) for s in window):
                boosts.append(wq.Term("words", "_".join(window), boost=1.5))
    if len(folded) > 1:
        boosts.append(wq.Phrase("title_folded", folded, boost=3.0))
    return boosts


@dataclass
class CompiledQuery:
    match: wq.Query | None  # None: every document
    score: wq.Query | None
    exclude: wq.Query | None


def compile_query(parsed: ParsedQuery) -> CompiledQuery:
    exclude = None
    if parsed.excluded:
        exclude = wq.Or([_match_clause(c) for c in parsed.excluded])
    if parsed.match_all:
        return CompiledQuery(None, None, exclude)

    required = []
    boosts: list[wq.Query] = []
    for group in parsed.required:
        alternatives = [_match_clause(c) for c in group.alternatives]
        required.append(alternatives[0] if len(alternatives) == 1 else wq.Or(alternatives))
        for clause in group.alternatives:
            boosts.extend(_boost_clause(clause))
    match = required[0] if len(required) == 1 else wq.And(required)

    # The words typed one after another, read as a phrase and as words.
    plain = [g.alternatives[0] for g in parsed.required if len(g.alternatives) == 1]
    sequence = [s for c in plain for s in c.syllables]
    if 1 < len(sequence) <= 8 and len(plain) > 1:
        boosts.extend(_boost_clause(Clause(sequence)))
        boosts.append(wq.Phrase("text_folded", [fold(s) for s in sequence], boost=2.0))
    score = wq.AndMaybe(match, wq.Or(boosts)) if boosts else match
    return CompiledQuery(match, score, exclude)


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
