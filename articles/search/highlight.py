"""Snippets around the matched words, always HTML-escaped.

Matching uses the same folding as the index, so "chuyen doi so" marks
"chuyển đổi số" in the text; the text itself is shown as written.
"""

from __future__ import annotations

import re
import unicodedata
from collections.abc import Sequence
from functools import lru_cache

from django.utils.html import escape
from django.utils.safestring import SafeString, mark_safe
from haystack.utils.highlighting import Highlighter

from articles.analysis import query_terms
from articles.text import (
    accented_letters,
    fold,
    has_combining_marks,
    normalize,
    unaccent_aligned,
)


def _aligned_fold(text: str) -> str:
    """Fold without changing any offset: letters lose their marks in place,
    marks standing alone (decomposed text) stay where they are."""
    plain = unaccent_aligned(text)
    folded = plain.lower()
    if len(folded) == len(text):
        return folded
    # The odd letter whose lower case is longer ("İ") keeps its case.
    return "".join(f if len(f := ch.lower()) == 1 else ch for ch in plain)


def _letter_classes() -> dict[str, str]:
    # Each base letter with every precomposed letter that folds to it, in
    # both cases: a regular expression built from them finds "chuyen" in
    # "Chuyển" without folding the whole text first, which costs more than
    # the search itself on a 5,000-character article.
    return {
        base: "[" + "".join(re.escape(c) for c in sorted(chars | {base, base.upper()})) + "]"
        for base, chars in accented_letters().items()
    }


_CLASSES = _letter_classes()


def _literal(char: str) -> str:
    upper = char.upper()
    if len(upper) == 1 and upper != char:
        return f"[{re.escape(char)}{re.escape(upper)}]"
    return re.escape(char)


class _Terms:
    """What matching a query's terms needs, built once per query (cached)."""

    def __init__(self, terms: tuple[str, ...]) -> None:
        folded = sorted({fold(t) for t in terms if t.strip()}, key=len, reverse=True)
        written = "|".join("".join(_CLASSES.get(c) or _literal(c) for c in t) for t in folded)
        plain = "|".join(re.escape(t) for t in folded)
        self.written = re.compile(rf"(?<!\w)(?:{written})(?!\w)")
        self.folded = re.compile(rf"(?<!\w)(?:{plain})(?!\w)")
        self.spellings: dict[str, set[str]] = {}
        for term in terms:
            self.spellings.setdefault(fold(term), set()).add(normalize(term).lower())
        # Terms typed without diacritics accept every spelling.
        self.loose = {key for key, typed in self.spellings.items() if key in typed}
        # The same few words match again and again: each spelling is judged once.
        self._verdicts: dict[str, str | None] = {}

    def key_of(self, raw: str) -> str | None:
        """The folded term ``raw`` (as written in the text) matches, or None."""
        if raw not in self._verdicts:
            self._verdicts[raw] = self._verdict(raw.lower())
        return self._verdicts[raw]

    def _verdict(self, written: str) -> str | None:
        key = fold(written)
        typed = self.spellings.get(key)
        if typed is None:  # a letter that only looks alike
            return None
        if key in self.loose or written in typed:
            return key
        # normalize() last: only for the other tone placement (hoá/hóa).
        return key if normalize(written) in typed else None


@lru_cache(maxsize=256)
def _terms(terms: tuple[str, ...]) -> _Terms | None:
    return _Terms(terms) if any(t.strip() for t in terms) else None


def _composed(text: str) -> bool:
    # Decomposed marks would sit between the letters the pattern expects.
    return unicodedata.is_normalized("NFC", text) and not has_combining_marks(text)


def find_matches(
    text: str, terms: Sequence[str], sequences: Sequence[Sequence[str]] = ()
) -> list[tuple[int, int]]:
    """Spans of ``text`` that match ``terms`` the way the search does.

    A term typed without diacritics marks every spelling ("so" marks "số"
    and "sở"); a term typed with them marks that spelling and its other tone
    placement (hoá/hóa), not words that only fold alike ("so" in "so với").
    With ``sequences`` (the query's words in a row, folded), runs of them
    are marked rather than the same syllables elsewhere (see ``in_runs``).
    """
    return [span for span, _ in in_runs(text, _keyed_matches(text, terms), sequences)]


def _adjacent(text: str, end: int, start: int) -> bool:
    between = text[end:start]
    return len(between) <= 3 and not any(ch.isalnum() for ch in between)


def in_runs(
    text: str, matches: list[tuple[tuple[int, int], str]], sequences: Sequence[Sequence[str]]
) -> list[tuple[tuple[int, int], str]]:
    """The matches worth marking: a query of several words in a row marks where
    they stand in a row ("chuyển đổi số"), not the same syllables scattered
    ("số" of "chỉ số"); one-word parts of the query, and stray syllables when
    the text holds no run at all, are marked as they come."""
    runs = [tuple(s) for s in sequences if len(s) > 1]
    if not runs:
        return matches
    singles = {s[0] for s in sequences if len(s) == 1}
    follows = {(run[i], run[i + 1]) for run in runs for i in range(len(run) - 1)}
    keep = [key in singles for _, key in matches]
    found_run = False
    for i in range(len(matches) - 1):
        (first, key), (second, next_key) = matches[i], matches[i + 1]
        if (key, next_key) in follows and _adjacent(text, first[1], second[0]):
            keep[i] = keep[i + 1] = found_run = True
    if not found_run:
        return matches
    return [match for match, wanted in zip(matches, keep, strict=True) if wanted]


def _keyed_matches(
    text: str,
    terms: Sequence[str],
    *,
    start: int = 0,
    end: int | None = None,
    enough: int | None = None,
) -> list[tuple[tuple[int, int], str]]:
    """(span, folded word) of each match in ``text[start:end]``.

    With ``enough``, stop at the first stretch of that many characters that
    holds every term: no later excerpt can show more of them, and scanning
    the rest of a long article was most of the cost of its snippet.
    """
    matcher = _terms(tuple(terms))
    if matcher is None or not text:
        return []
    end = len(text) if end is None else end
    if _composed(text):
        matches = matcher.written.finditer(text, start, end)
    else:
        matches = matcher.folded.finditer(_aligned_fold(text), start, end)
    found: list[tuple[tuple[int, int], str]] = []
    seen: set[str] = set()
    wanted = len(matcher.spellings)
    for match in matches:
        span = match.span()
        key = matcher.key_of(text[span[0] : span[1]])
        if key is None:
            continue
        found.append((span, key))
        seen.add(key)
        if enough and len(seen) == wanted and _holds_all(found, enough, wanted):
            break
    return found


def _holds_all(found: list[tuple[tuple[int, int], str]], size: int, wanted: int) -> bool:
    """Whether the matches within ``size`` characters before the last one hold
    ``wanted`` different words."""
    last_end = found[-1][0][1]
    keys = set()
    for (s, _), key in reversed(found):
        if s < last_end - size:
            break
        keys.add(key)
    return len(keys) == wanted


def _reach(size: int) -> int:
    # An excerpt starts a quarter of its length before its first match.
    return size - size // 4


def _best_window(
    text: str, matches: list[tuple[tuple[int, int], str]], size: int
) -> tuple[int, int]:
    if not matches:
        return 0, min(len(text), size)
    spans = [span for span, _ in matches]
    keys = [key for _, key in matches]
    reach = _reach(size)
    best, best_score = 0, -1
    j = 0
    for i, (start, _) in enumerate(spans):
        while j < len(spans) and spans[j][1] <= start + reach:
            j += 1
        distinct = len(set(keys[i:j]))
        score = distinct * 100 + (j - i)
        if score > best_score:
            best, best_score = i, score
    start = spans[best][0]
    # Some context before the first match, starting at a word boundary.
    start = max(0, start - size // 4)
    if start > 0:
        space = _next_space(text, start)
        if 0 <= space < spans[best][0]:
            start = space + 1
    end = min(len(text), start + size)
    if end < len(text):
        space = _last_space(text, start, end)
        if space > spans[best][1]:
            end = space
    return start, end


_SPACE = re.compile(r"\s")


def _next_space(text: str, start: int) -> int:
    match = _SPACE.search(text, start)
    return match.start() if match else -1


def _last_space(text: str, start: int, end: int) -> int:
    for position in range(end - 1, start - 1, -1):
        if text[position].isspace():
            return position
    return -1


def mark(
    text: str, spans: Sequence[tuple[int, int]], start: int = 0, end: int | None = None
) -> str:
    end = len(text) if end is None else end
    out: list[str] = []
    position = start
    for s, e in spans:
        if e <= start or s >= end:
            continue
        s, e = max(s, start), min(e, end)
        out.append(escape(text[position:s]))
        out.append(f"<mark>{escape(text[s:e])}</mark>")
        position = e
    out.append(escape(text[position:end]))
    return "".join(out)


# Where a snippet is looked for: the start of the text. A snippet costs the
# same for a one-megabyte article as for a one-page one.
SCAN_CHARS = 20_000


def snippet(
    text: str, terms: Sequence[str], size: int = 260, sequences: Sequence[Sequence[str]] = ()
) -> SafeString:
    """An escaped excerpt of ``text`` around ``terms``, matches in <mark>.

    Paragraph breaks are shown as spaces; only the excerpt is rewritten.
    """
    text = (text or "").strip()
    scan_end = min(len(text), SCAN_CHARS)
    matches = in_runs(
        text, _keyed_matches(text, terms, end=scan_end, enough=_reach(size)), sequences
    )
    if not matches and scan_end < len(text):
        # Past the scanned start, the first match alone places the excerpt:
        # one search in C, however long the text.
        matches = _first_match(text, terms, scan_end)
    start, end = _best_window(text, matches, size)
    # Marked afresh: the excerpt may reach past where the scan stopped.
    found = _keyed_matches(text, terms, start=start, end=end)
    spans = [span for span, _ in in_runs(text, found, sequences)]
    body = " ".join(mark(text, spans, start, end).split())
    prefix = "… " if start > 0 else ""
    suffix = " …" if end < len(text) else ""
    return mark_safe(prefix + body + suffix)


def _first_match(text: str, terms: Sequence[str], start: int):
    matcher = _terms(tuple(terms))
    if matcher is None:
        return []
    pattern = matcher.written if _composed(text) else matcher.folded
    source = text if _composed(text) else _aligned_fold(text)
    for found in pattern.finditer(source, start):
        key = matcher.key_of(text[found.start() : found.end()])
        if key is not None:
            return [(found.span(), key)]
    return []


def highlight_title(
    title: str, terms: Sequence[str], sequences: Sequence[Sequence[str]] = ()
) -> SafeString:
    return mark_safe(mark(title, find_matches(title, terms, sequences)))


class EscapingHighlighter(Highlighter):
    """haystack's ``{% highlight %}`` with our folding, and escaped output.

    The stock highlighter lowercases and matches raw substrings and returns
    the text unescaped, so markup in an article reaches the page.
    """

    def __init__(self, query, **kwargs):
        super().__init__(query, **kwargs)
        self.terms = query_terms(query)

    def highlight(self, text_block):
        return snippet(text_block, self.terms, size=self.max_length)
