"""Vietnamese analysis for the search index and for queries alike.

``analyze(text)`` turns text into token streams that any engine can index
with a plain whitespace tokenizer (Whoosh here, Elasticsearch/OpenSearch
later, with no server-side plugin):

- ``syllables``: every syllable, lowercased, with its diacritics, in order;
  document numbers (43/2011/NĐ-CP) and separator abbreviations (TT&TT) kept
  whole.
- ``folded``: the same stream without diacritics, for readers who type
  "chuyen doi so".
- ``words``: the multi-syllable words pyvi found ("chuyển_đổi"), so that a
  whole-word match can score above two unrelated syllables;
  ``words_folded`` the same without diacritics.

Queries use the same normalization and protected tokens; instead of
segmenting the query (pyvi cannot segment text typed without diacritics),
adjacent query syllables are tried as words, which the index answers
whichever way the reader typed.
"""

from __future__ import annotations

import re
from dataclasses import dataclass, field

from articles.segmenter import tokenize
from articles.text import fold, normalize

# 43/2011/NĐ-CP, 225/QĐ-UBND, 19/2011/TT-BTTTT, 1355/QĐ–UBND, 15/QĐ - UBND.
DOC_NUMBER_RE = re.compile(
    r"\b\d{1,5}(?:/\d{2,4})?/[A-ZĐ][A-ZĐa-zđ0-9]*(?:\s?[-–]\s?[A-ZĐ][A-ZĐa-zđ0-9]*)*"
)
# TT&TT, TT-TT, VH-TT, PT-TH, CNH-HĐH, BR-VT, KH&CN: upper-case letters
# joined by & or a hyphen, read as one abbreviation.
JOINED_ABBREV_RE = re.compile(r"(?<![\w&-])([A-ZĐ]{1,5}(?:\s?[&-]\s?[A-ZĐ]{1,5})+)(?![\w&])")
_ALNUM = re.compile(r"\w", re.UNICODE)
_SEPARATORS = re.compile(r"[\s&\-–]+")


def canonical_doc_number(raw: str) -> str:
    return re.sub(r"\s*[-–]\s*", "-", raw).lower()


def canonical_abbreviation(raw: str) -> str:
    """TT&TT, TT-TT and TTTT all become "tttt"."""
    return _SEPARATORS.sub("", raw).lower()


@dataclass
class Analysis:
    syllables: list[str] = field(default_factory=list)
    folded: list[str] = field(default_factory=list)
    words: list[str] = field(default_factory=list)
    words_folded: list[str] = field(default_factory=list)
    # What the streams are made of, in order: pyvi's words (syllables joined
    # by "_"), single syllables and protected tokens; enough to rebuild them.
    pieces: list[str] = field(default_factory=list)

    def extend(self, other: Analysis) -> None:
        self.syllables += other.syllables
        self.folded += other.folded
        self.words += other.words
        self.words_folded += other.words_folded
        self.pieces += other.pieces

    @classmethod
    def from_pieces(cls, pieces: list[str]) -> Analysis:
        """The analysis whose ``pieces`` these are, without segmenting again."""
        result = cls(pieces=pieces)
        folded_pieces = fold(" ".join(pieces)).split(" ") if pieces else []
        for piece, folded in zip(pieces, folded_pieces, strict=True):
            if "_" in piece:
                result.syllables += piece.split("_")
                result.folded += folded.split("_")
                result.words.append(piece)
                result.words_folded.append(folded)
            else:
                result.syllables.append(piece)
                result.folded.append(folded)
        return result


def segment(text: str) -> list[str]:
    """pyvi word segmentation: a list of words, syllables joined by "_"."""
    if not text.strip():
        return []
    return tokenize(text).split()


def _protected_spans(text: str) -> list[tuple[int, int, str]]:
    spans: list[tuple[int, int, str]] = []
    for match in DOC_NUMBER_RE.finditer(text):
        spans.append((match.start(), match.end(), canonical_doc_number(match.group(0))))
    taken = [(s, e) for s, e, _ in spans]
    for match in JOINED_ABBREV_RE.finditer(text):
        if any(s <= match.start() < e for s, e in taken):
            continue
        spans.append((match.start(), match.end(), canonical_abbreviation(match.group(0))))
    return sorted(spans)


def _add_plain(result: Analysis, text: str, use_segmenter: bool) -> None:
    pieces = segment(text) if use_segmenter else text.split()
    for piece in pieces:
        syllables = [s for s in re.split(r"[_\s]+", piece.lower()) if _ALNUM.search(s)]
        syllables = [s.strip(".,;:!?\"'()[]{}“”‘’…") or s for s in syllables]
        if not syllables:
            continue
        folded = [fold(s) for s in syllables]
        result.syllables += syllables
        result.folded += folded
        result.pieces.append("_".join(syllables))
        if len(syllables) > 1:
            result.words.append("_".join(syllables))
            result.words_folded.append("_".join(folded))


def _add_protected(result: Analysis, token: str) -> None:
    result.syllables.append(token)
    result.folded.append(fold(token))
    result.pieces.append(token)
    # The parts of a document number are findable on their own too
    # ("NĐ-CP", "2011"), after the whole.
    if "/" in token:
        for part in re.split(r"[/\-]", token):
            if part:
                result.syllables.append(part)
                result.folded.append(fold(part))
                result.pieces.append(part)


def analyze(text: str, *, use_segmenter: bool = True) -> Analysis:
    """Analyze text for indexing (or a query, with ``use_segmenter=False``)."""
    text = normalize(text)
    result = Analysis()
    position = 0
    for start, end, token in _protected_spans(text):
        if start > position:
            _add_plain(result, text[position:start], use_segmenter)
        _add_protected(result, token)
        position = end
    if position < len(text):
        _add_plain(result, text[position:], use_segmenter)
    return result


def query_terms(text: str) -> list[str]:
    """The syllables of a piece of query text, normalized like the index."""
    return analyze(text, use_segmenter=False).syllables
