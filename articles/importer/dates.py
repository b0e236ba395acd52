"""Dates in scraped articles: datelines, dates in the lead, and their precision.

Shapes seen: ``1/30/2007 2:07:06 PM`` (a US-style dateline, month first),
``Thứ năm, 17/07/2014 10:25`` (weekday, day first), ``Ngày 19/7/2011``,
``Trong tháng 10/2008`` (known to the month) and typos such as
``04/2/210``. Dates of documents cited in the text (``Quyết định số
225/QĐ-UBND ngày 19/3/2014``) are not the article's date.
"""

from __future__ import annotations

import datetime as dt
import re
from dataclasses import dataclass, field

from articles.text import fold

# The values of articles.models.DatePrecision; repeated here so that extraction
# stays importable without Django (tests check they agree).
DAY, MONTH, YEAR, UNKNOWN = "day", "month", "year", "unknown"

MIN_YEAR = 1990

_WEEKDAY = r"(?:thu\s+(?:hai|ba|tu|nam|sau|bay|2|3|4|5|6|7)|chu\s+nhat)"
_TIME = r"\d{1,2}:\d{2}(?::\d{2})?(?:\s*([ap]\.?m\.?))?"
_DATELINE_RE = re.compile(
    r"^(?:(?:ngay dang|ngay cap nhat|cap nhat|dang luc|dang ngay|thoi gian)\s*:?\s*)?"
    rf"(?:(?P<weekday>{_WEEKDAY})\s*[,-]?\s*)?"
    r"(?:ngay\s+)?(?P<a>\d{1,2})\s*[/.-]\s*(?P<b>\d{1,2})\s*[/.-]\s*(?P<y>\d{2,4})"
    rf"(?:\s*[,-]?\s*(?P<time>{_TIME}))?\s*(?:\(?gmt\s*[+-]\s*\d+\)?)?$",
    re.IGNORECASE,
)

# Dates inside prose; matched on folded text so that "ngày"/"Ngày"/"NGÀY" agree.
_NUMERIC_DATE_RE = re.compile(
    r"(?<![\d/])(?P<d>\d{1,2})\s*[/.-]\s*(?P<m>\d{1,2})\s*[/.-]\s*(?P<y>\d{2,4})(?![\d/])"
)
_WORDED_DATE_RE = re.compile(
    r"\bngay\s+(?P<d>\d{1,2})\s+thang\s+(?P<m>\d{1,2})\s+nam\s+(?P<y>\d{4})\b"
)
_MONTH_RE = re.compile(
    r"\bthang\s+(?P<m>\d{1,2})\s*(?:[/.-]|\s+nam\s+)\s*(?P<y>\d{4})(?![\d/])"
    r"|(?<![\d/])(?P<m2>\d{1,2})/(?P<y2>(?:19|20)\d{2})(?![\d/])"
)
_YEAR_RE = re.compile(r"(?<![\d/])((?:19|20)\d{2})(?![\d/])")

# A cited document just before a date: "số 225/QĐ-UBND ngày", "Quyết định ... ngày".
_CITATION_RE = re.compile(
    r"(?:\d+/(?:\d+/)?[a-z]+(?:[-–][a-z]+)*|\b(?:quyet dinh|nghi dinh|thong tu|chi thi|"
    r"nghi quyet|cong van|ke hoach|van ban|luat|phap lenh|thong bao)\b[^.;]*?)"
    r"[\s,]*(?:ngay|ban hanh ngay)?\s*$"
)
_CITATION_LOOKBACK = 60


@dataclass(frozen=True)
class FoundDate:
    date: dt.date
    precision: str
    notes: tuple[str, ...] = field(default_factory=tuple)

    def as_string(self) -> str:
        if self.precision == YEAR:
            return f"{self.date.year:04d}"
        if self.precision == MONTH:
            return f"{self.date.year:04d}-{self.date.month:02d}"
        return self.date.isoformat()


def headline_years(text: str) -> list[int]:
    return [int(y) for y in _YEAR_RE.findall(text) if MIN_YEAR <= int(y) <= _max_year()]


def _max_year() -> int:
    return dt.date.today().year + 1


def parse_dateline(line: str, context_years: list[int] | None = None) -> FoundDate | None:
    """The date of a line that holds nothing but a date and maybe a weekday and time."""
    match = _DATELINE_RE.match(fold(line).strip())
    if not match:
        return None
    a, b = int(match["a"]), int(match["b"])
    us_time = match["time"] and re.search(r"[ap]\.?m", match["time"], re.IGNORECASE)
    # "1/30/2007 2:07:06 PM": a CMS that printed US dates with a 12-hour clock.
    # Otherwise day first, the Vietnamese order (always so with a weekday).
    month_first = not match["weekday"] and (us_time or b > 12 >= a)
    day, month = (b, a) if month_first else (a, b)
    year, notes = _fix_year(match["y"], context_years or [])
    if year is None:
        return None
    found = _make_date(year, month, day)
    if found is None:
        return None
    return FoundDate(found, DAY, tuple(notes))


def first_lead_date(paragraph: str, context_years: list[int] | None = None) -> FoundDate | None:
    """The first date in a lead paragraph that is not the date of a cited document."""
    folded = fold(paragraph)
    candidates: list[tuple[int, FoundDate]] = []
    for match in _NUMERIC_DATE_RE.finditer(folded):
        found = _day_date(match, folded, context_years)
        if found:
            candidates.append((match.start(), found))
    for match in _WORDED_DATE_RE.finditer(folded):
        found = _day_date(match, folded, context_years)
        if found:
            candidates.append((match.start(), found))
    for match in _MONTH_RE.finditer(folded):
        if _is_cited(folded, match.start()):
            continue
        month = int(match["m"] or match["m2"])
        year = int(match["y"] or match["y2"])
        if 1 <= month <= 12 and MIN_YEAR <= year <= _max_year():
            candidates.append((match.start(), FoundDate(dt.date(year, month, 1), MONTH)))
    if not candidates:
        return None
    # A day date and a month date can start at the same place ("10/2008" inside
    # "24/10/2008" does not, thanks to the look-behind): earliest wins.
    candidates.sort(key=lambda item: (item[0], item[1].precision != DAY))
    return candidates[0][1]


def _day_date(match: re.Match, folded: str, context_years: list[int] | None) -> FoundDate | None:
    if _is_cited(folded, match.start()):
        return None
    year, notes = _fix_year(match["y"], context_years or [])
    if year is None:
        return None
    found = _make_date(year, int(match["m"]), int(match["d"]))
    if found is None:
        return None
    return FoundDate(found, DAY, tuple(notes))


def _is_cited(folded: str, start: int) -> bool:
    before = folded[max(0, start - _CITATION_LOOKBACK) : start]
    # Only the current clause: a citation in an earlier sentence does not count.
    before = re.split(r"[.;:]\s", before)[-1]
    return bool(_CITATION_RE.search(before))


def _fix_year(raw: str, context_years: list[int]) -> tuple[int | None, list[str]]:
    """A plausible four-digit year for ``raw``, correcting a dropped digit from context."""
    year = int(raw)
    if len(raw) == 2:
        year += 2000 if year <= _max_year() % 100 else 1900
    if MIN_YEAR <= year <= _max_year():
        return year, []
    # "04/2/210" in an article whose headline says 2010: a digit was lost.
    fixes = sorted({y for y in context_years if _is_subsequence(raw, str(y))})
    if len(fixes) == 1:
        return fixes[0], ["date year contradicts headline; corrected"]
    return None, []


def _is_subsequence(short: str, long: str) -> bool:
    it = iter(long)
    return len(short) < len(long) and all(ch in it for ch in short)


def _make_date(year: int, month: int, day: int) -> dt.date | None:
    try:
        return dt.date(year, month, day)
    except ValueError:
        return None


def parse_iso_like(value: str) -> FoundDate | None:
    """'YYYY', 'YYYY-MM' or 'YYYY-MM-DD' (as given in JSON metadata)."""
    value = value.strip()
    match = re.fullmatch(r"(\d{4})(?:-(\d{1,2})(?:-(\d{1,2}))?)?", value)
    if not match:
        return parse_dateline(value)
    year, month, day = match.groups()
    if day:
        found = _make_date(int(year), int(month), int(day))
        return FoundDate(found, DAY) if found else None
    if month:
        found = _make_date(int(year), int(month), 1)
        return FoundDate(found, MONTH) if found else None
    return FoundDate(dt.date(int(year), 1, 1), YEAR)


def year_only(found: FoundDate) -> FoundDate:
    return FoundDate(dt.date(found.date.year, 1, 1), YEAR)
