"""Snippets around the matched words, always HTML-escaped.

Matching uses the same folding as the index, so "chuyen doi so" marks
"chuyển đổi số" in the text; the text itself is shown as written.
"""

from __future__ import annotations

import re
from collections.abc import Iterable, Sequence

from django.utils.html import escape
from django.utils.safestring import SafeString, mark_safe
from haystack.utils.highlighting import Highlighter

from articles.analysis import query_terms
from articles.text import fold, normalize


def _aligned_fold(text: str) -> str:
    """Fold without changing any offset (NFC text folds char for char)."""
    folded = fold(text)
    if len(folded) == len(text):
        return folded
    return "".join(f if len(f := fold(ch)) == 1 else ch for ch in text)


def _pattern(terms: Iterable[str]) -> re.Pattern | None:
    folded = sorted({fold(t) for t in terms if t.strip()}, key=len, reverse=True)
    if not folded:
        return None
    alternation = "|".join(re.escape(t) for t in folded)
    return re.compile(rf"(?<!\w)(?:{alternation})(?!\w)")


def find_matches(
    text: str, terms: Sequence[str], folded: str | None = None
) -> list[tuple[int, int]]:
    """Spans of ``text`` that match ``terms`` the way the search does.

    A term typed without diacritics marks every spelling ("so" marks "số"
    and "sở"); a term typed with them marks that spelling, and text written
    without diacritics, but not other words that fold alike.
    """
    pattern = _pattern(terms)
    if pattern is None or not text:
        return []
    spellings: dict[str, set[str]] = {}
    for term in terms:
        spellings.setdefault(fold(term), set()).add(normalize(term).lower())
    # Terms typed without diacritics accept every spelling.
    loose = {key for key, typed in spellings.items() if key in typed}
    spans = []
    for match in pattern.finditer(folded if folded is not None else _aligned_fold(text)):
        key = match.group(0)
        written = text[match.start() : match.end()].lower()
        accepted = key in loose or written == key or written in spellings[key]
        # normalize() last: only for the other tone placement (hoá/hóa).
        if accepted or normalize(written) in spellings[key]:
            spans.append(match.span())
    return spans


def _best_window(
    text: str, folded: str, spans: list[tuple[int, int]], size: int
) -> tuple[int, int]:
    if not spans:
        return 0, min(len(text), size)
    best, best_score = 0, -1
    j = 0
    for i, (start, _) in enumerate(spans):
        while j < len(spans) and spans[j][1] <= start + size:
            j += 1
        distinct = len({folded[s:e] for s, e in spans[i:j]})
        score = distinct * 100 + (j - i)
        if score > best_score:
            best, best_score = i, score
    start = spans[best][0]
    # Some context before the first match, starting at a word boundary.
    start = max(0, start - size // 4)
    if start > 0:
        space = text.find(" ", start)
        if 0 <= space < spans[best][0]:
            start = space + 1
    end = min(len(text), start + size)
    if end < len(text):
        space = text.rfind(" ", start, end)
        if space > spans[best][1]:
            end = space
    return start, end


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


def snippet(text: str, terms: Sequence[str], size: int = 260) -> SafeString:
    """An escaped excerpt of ``text`` around ``terms``, matches in <mark>."""
    text = " ".join((text or "").split())
    folded = _aligned_fold(text)
    spans = find_matches(text, terms, folded)
    start, end = _best_window(text, folded, spans, size)
    body = mark(text, spans, start, end)
    prefix = "… " if start > 0 else ""
    suffix = " …" if end < len(text) else ""
    return mark_safe(prefix + body + suffix)


def highlight_title(title: str, terms: Sequence[str]) -> SafeString:
    return mark_safe(mark(title, find_matches(title, terms)))


def highlight_articles(pks: Iterable[int], query_string: str) -> dict[int, SafeString]:
    from articles.models import Article

    terms = query_terms(query_string)
    bodies = Article.objects.filter(pk__in=list(pks)).values_list("pk", "body")
    return {pk: snippet(body, terms) for pk, body in bodies}


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
