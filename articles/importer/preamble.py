"""The top of a scraped page: which line is the headline, which lines are
datelines, and where the article's own text (its lead) begins.

A scrape starts with whatever the page showed above the article: the
site's clock, menus, a breadcrumb, a category name, the headline (often
twice), a byline with a time, a view counter, "(Mic.gov.vn) -". The lead
is the first line of prose; everything above it is the preamble. The
headline is the preamble line that reads most like one (headline length,
no full stop inside, repeated on the page or matching the address's slug);
a page with none starts with its lead.
"""

from __future__ import annotations

import re
from dataclasses import dataclass, field

from articles.importer import dates
from articles.importer.cleaning import bullet_text, line_key
from articles.importer.markers import split_source_marker
from articles.importer.titles import slug_words
from articles.text import fold

PREAMBLE_LINES = 40
MAX_HEADLINE_CHARS = 250
MIN_HEADLINE_WORDS = 4
# Prose: a full stop followed by another sentence, or a long line.
# The word before the full stop is lowercase or a number: "TP. Bến Tre" and
# "Q. Ba Đình" are abbreviations, not two sentences.
_SENTENCE_BREAK = re.compile(r"(?<=[a-zà-ỹđ0-9)”\"])[.!?…]\s+[\"“(]?[A-ZĐÀ-Ỹ]")
_STARTS_WITH_DATE = re.compile(
    r"^(?:ngay|sang|chieu|toi|trua|hom nay|vua qua|thoi gian qua|trong|theo)\b[^,]{0,30}\d",
)
# Lines that are never a headline: breadcrumbs, site names, captions.
_NOT_HEADLINE = re.compile(
    r"(?:\s[>»›]\s|^chao mung|^cong thong tin dien tu (?:cua )?(?:tinh|thanh pho|tp)\b|"
    r"^trang chu\b|^theo doi\b|^skip\b|"
    r"^cannot retrieve|^tieng viet|^xem voi|^co chu|^duong day nong|^hotline|"
    r"anh\s*:\s*[\w .]+$|^nguon\s*:|\.(?:jpe?g|png|gif)$|°c)"
)
_LABELLED_DATE = re.compile(r"ngay dang|cap nhat|dang luc|submitted|posted|published|updated")


@dataclass
class DateLine:
    index: int
    date: dates.FoundDate
    text: str

    @property
    def labelled(self) -> bool:
        return bool(_LABELLED_DATE.search(fold(self.text)))


@dataclass
class Top:
    """What the top of a page holds; ``body`` is every line after it that is text."""

    headline: str | None
    headline_date: dates.FoundDate | None  # "Headline (25/11/2020, 15:06)"
    datelines: list[DateLine] = field(default_factory=list)
    marker: str = ""
    lead: str = ""
    body: list[str] = field(default_factory=list)
    headline_index: int = -1

    def dateline(self) -> DateLine | None:
        """The page's own dateline, not the site's clock above it.

        A portal's header shows today's date and time (a weekday, seconds
        or a two-digit year: "Chủ nhật, 09/11/2025 04:27:51 GMT+7") above
        the headline; the article's own date is labelled ("Ngày đăng:")
        or follows the headline.
        """
        labelled = [d for d in self.datelines if d.labelled]
        if labelled:
            return labelled[0]
        if self.headline_index >= 0:
            after = [d for d in self.datelines if d.index > self.headline_index]
            if after:
                return after[0]
        own = [d for d in self.datelines if not _is_clock(d.text)]
        return own[-1] if own else None  # the one nearest the text


_CLOCK_RE = re.compile(r"\d{1,2}:\d{2}:\d{2}|(?<![\d/.-])\d{1,2}[/.-]\d{1,2}[/.-]\d{2}(?![\d/.-])")
_WEEKDAY_RE = re.compile(r"\b(?:thu\s*(?:hai|ba|tu|nam|sau|bay|[2-7])|chu\s*nhat)\b")


def _is_clock(line: str) -> bool:
    folded = fold(line)
    return bool(_WEEKDAY_RE.search(folded) and _CLOCK_RE.search(folded))


def is_prose(line: str) -> bool:
    marker, rest = split_source_marker(line)
    words = len(line.split())
    if marker and len(rest.split()) >= 6:
        return True
    if len(line) > MAX_HEADLINE_CHARS:
        return True
    if _SENTENCE_BREAK.search(line) and words >= 12:
        return True
    if line.rstrip().endswith((".", ";", ":")) and words >= 12:
        return True
    return words >= 10 and bool(_STARTS_WITH_DATE.match(fold(line)))


def _headline_score(line: str, index: int, lines: list[str], slug: set[str]) -> float | None:
    words = line.split()
    folded = fold(line)
    if (
        len(words) < MIN_HEADLINE_WORDS
        or len(line) > MAX_HEADLINE_CHARS
        or bullet_text(line) is not None
        or dates.is_date_line(line)
        or _NOT_HEADLINE.search(folded)
        or line.count("|") > 1
        or (not line[0].isupper() and not line[0].isdigit() and line[0] not in "\"“'[(")
    ):
        return None
    if line.rstrip().endswith(".") and not line.rstrip().endswith("..."):
        return None
    key = line_key(line)
    score = min(len(words), 25) * 0.1
    if index == 0:
        score += 1.0
    if any(line_key(other) == key for j, other in enumerate(lines) if j != index):
        score += 1.5
    if slug:
        mine = set(re.findall(r"[a-z0-9]+", folded))
        score += 3.0 * len(mine & slug) / len(slug)
    return score


def read_top(lines: list[str], url: str = "") -> Top:
    """Split ``lines`` (cleaned, furniture dropped) into the top and the body."""
    window = min(len(lines), PREAMBLE_LINES)
    lead_index = next((i for i in range(window) if is_prose(lines[i])), None)
    if lead_index is None:
        lead_index = window if window < len(lines) else None
    preamble_end = lead_index if lead_index is not None else window
    slug = set(slug_words(url))

    best, best_score = -1, 0.0
    for index in range(preamble_end):
        score = _headline_score(lines[index], index, lines, slug)
        if score is not None and score > best_score:
            best, best_score = index, score
    if lead_index is None:
        # No line of prose at all (a short note): the text starts after the
        # headline and the datelines right below it.
        preamble_end = best + 1
        while preamble_end < len(lines) and dates.is_date_line(lines[preamble_end]):
            preamble_end += 1

    headline = headline_date = None
    if best >= 0:
        headline, headline_date = dates.trailing_date(lines[best])
    top = Top(headline=headline, headline_date=headline_date, headline_index=best)
    for index in range(preamble_end):
        if index != best and dates.is_date_line(lines[index]):
            found = dates.line_date(lines[index].split("|", 1)[0]) or dates.line_date(lines[index])
            if found:
                top.datelines.append(DateLine(index, found, lines[index]))

    # The body: the lead and what follows; from the preamble after the
    # headline, only lines that are text (a digest's list of its items, a
    # sapo), not the clock, the marker or short chrome.
    body: list[str] = []
    headline_key = line_key(headline) if headline else None
    dated = {d.index for d in top.datelines}
    for index, line in enumerate(lines):
        if index <= best or index in dated:
            continue
        if index < preamble_end:
            marker, rest = split_source_marker(line)
            if marker and not rest:
                top.marker = top.marker or marker
                continue
            if bullet_text(line) is None and len(line.split()) < MIN_HEADLINE_WORDS:
                continue
        if headline_key and line_key(line) == headline_key:
            continue
        body.append(line)
    top.body = body
    if lead_index is not None and lead_index < len(lines) and lines[lead_index] in body:
        top.lead = lines[lead_index]
    elif body:
        top.lead = body[0]
    marker, _ = split_source_marker(top.lead)
    top.marker = top.marker or marker
    return top
