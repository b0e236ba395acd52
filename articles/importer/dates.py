"""Dates in scraped articles: datelines, dates in the URL and in the lead,
and how precisely each is known.

Shapes seen on the provincial portals and newspapers: ``1/30/2007 2:07:06
PM`` (a US-style dateline, month first), ``Thứ năm, 17/07/2014 10:25``,
``( Cập nhật lúc: 30/12/2022 )``, ``14/03/2023 08:57 | Lượt xem: 1203``,
``Thanh Hà| 18/07/2020 15:44`` (byline and date), ``Submitted by … on 18
October 2019``, ``ngày 28 tháng 7 năm 2014``, dates in the URL
(``/201301/``, ``/2023/07/04/``, ``-13012023-``, ``-20221230135758341``),
a lead that gives only the day (``Chiều 6-1,``, ``Sáng nay (30/8)``) and
typos such as ``04/2/210``. Dates of documents cited in the text
(``Quyết định số 225/QĐ-UBND ngày 19/3/2014``) are not the article's date.
"""

from __future__ import annotations

import datetime as dt
import re
from dataclasses import dataclass, field
from urllib.parse import unquote, urlsplit

from articles.text import fold

# The values of articles.models.DatePrecision; repeated here so that extraction
# stays importable without Django (tests check they agree).
DAY, MONTH, YEAR, UNKNOWN = "day", "month", "year", "unknown"

MIN_YEAR = 1990

_WEEKDAY = (
    r"(?:thu\s*(?:hai|ba|tu|nam|sau|bay|2|3|4|5|6|7)|chu\s*nhat|cn|"
    r"(?:mon|tues|wednes|thurs|fri|satur|sun)day)"
)
_TIME = r"\d{1,2}\s*(?::|h)\s*\d{2}(?:\s*:\s*\d{2})?(?:\s*'|\s*([ap]\.?m\.?|sa|ch))?"
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
_MONTHS_EN = {
    name: number
    for number, names in enumerate(
        [
            ("jan", "january"),
            ("feb", "february"),
            ("mar", "march"),
            ("apr", "april"),
            ("may",),
            ("jun", "june"),
            ("jul", "july"),
            ("aug", "august"),
            ("sep", "sept", "september"),
            ("oct", "october"),
            ("nov", "november"),
            ("dec", "december"),
        ],
        1,
    )
    for name in names
}
_EN_MONTH = "|".join(sorted(_MONTHS_EN, key=len, reverse=True))
_ENGLISH_DATE_RE = re.compile(
    rf"\b(?P<d>\d{{1,2}})(?:st|nd|rd|th)?\s+(?P<mon>{_EN_MONTH})\.?,?\s+(?P<y>\d{{4}})\b"
    rf"|\b(?P<mon2>{_EN_MONTH})\.?\s+(?P<d2>\d{{1,2}})(?:st|nd|rd|th)?,?\s+(?P<y2>\d{{4}})\b"
)
# A US clock ("2:07:06 PM") after a date means the CMS printed month first.
_US_CLOCK_RE = re.compile(r"\d{1,2}:\d{2}(?::\d{2})?\s*[ap]\.?m\b", re.IGNORECASE)

# A cited document just before a date: "số 225/QĐ-UBND ngày", "Quyết định ... ngày".
_CITATION_RE = re.compile(
    r"(?:\d+/(?:\d+/)?[a-z]+(?:[-–][a-z]+)*|\b(?:quyet dinh|nghi dinh|thong tu|chi thi|"
    r"nghi quyet|cong van|ke hoach|van ban|luat|phap lenh|thong bao|ket luan)\b[^.;]*?)"
    r"[\s,]*(?:ngay|ban hanh ngay)?\s*$"
)
_CITATION_LOOKBACK = 60
# "từ ngày 8/9 đến 22/9/2009", "từ 26 đến 29/12/2023", "28/5-06/6/2019": a span,
# whose month is certain but not the day the article reports.
_SINCE_RE = re.compile(r"\b(?:ke )?tu\s*(?:ngay\s*)?$")
_UNTIL_RE = re.compile(r"(?:^|[^a-z])(?:tinh\s+)?den\s*(?:het\s*)?(?:ngay\s*)?$")
_LEAD_OPENING = 15  # "Từ ngày 10/6/2006, đoàn kiểm tra ...": the lead's own date
_RANGE_BEFORE_RE = re.compile(r"(?:\bden|\bdến|\btoi|[-–])\s*(?:ngay\s*)?$")
_RANGE_AFTER_RE = re.compile(r"^\s*(?:[-–]|den\b|toi\b)\s*(?:ngay\s*)?\d")


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
    return [int(y) for y in _YEAR_RE.findall(text) if MIN_YEAR <= int(y) <= max_year()]


def max_year() -> int:
    return dt.date.today().year + 1


def _make_date(year: int, month: int, day: int) -> dt.date | None:
    try:
        return dt.date(year, month, day)
    except ValueError:
        return None


def _is_subsequence(short: str, long: str) -> bool:
    it = iter(long)
    return len(short) < len(long) and all(ch in it for ch in short)


def _fix_year(raw: str, context_years: list[int]) -> tuple[int | None, list[str]]:
    """A plausible four-digit year for ``raw``, correcting a dropped digit from context."""
    year = int(raw)
    if len(raw) == 2:
        year += 2000 if year <= max_year() % 100 else 1900
    if MIN_YEAR <= year <= max_year():
        return year, []
    # "04/2/210" in an article whose headline says 2010: a digit was lost.
    fixes = sorted({y for y in context_years if _is_subsequence(raw, str(y))})
    if len(fixes) == 1:
        return fixes[0], ["date year contradicts headline; corrected"]
    return None, []


# -- datelines ----------------------------------------------------------------


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


# Words a date line may hold besides the date: labels, clocks, counters, buttons.
_DATELINE_WORDS = set(
    [
        "ngay",
        "dang",
        "cap",
        "nhat",
        "luc",
        "thoi",
        "gian",
        "gio",
        "gmt",
        "luot",
        "xem",
        "doc",
        "in",
        "bai",
        "viet",
        "nay",
        "gui",
        "chia",
        "se",
        "submitted",
        "by",
        "on",
        "posted",
        "published",
        "updated",
        "sa",
        "ch",
        "am",
        "pm",
        "thu",
        "hai",
        "ba",
        "tu",
        "nam",
        "sau",
        "bay",
        "chu",
        "nhat",
        "cn",
        "binh",
        "luan",
    ]
)
_MAX_DATELINE_CHARS = 140
_DATELINE_OTHER_WORDS = 6  # a byline's name, a category: "Đô thị thông minh - Ngày đăng: …"


def line_date(line: str, context_years: list[int] | None = None) -> FoundDate | None:
    """A full date printed in a short line, in any of the shapes above, or None."""
    folded = fold(line)
    if len(folded) > _MAX_DATELINE_CHARS:
        return None
    whole = parse_dateline(line, context_years)
    if whole:
        return whole
    match = _ENGLISH_DATE_RE.search(folded)
    if match:
        name = match["mon"] or match["mon2"]
        day = int(match["d"] or match["d2"])
        found = _make_date(int(match["y"] or match["y2"]), _MONTHS_EN[name], day)
        return FoundDate(found, DAY) if found else None
    match = _WORDED_DATE_RE.search(folded)
    if match:
        found = _make_date(int(match["y"]), int(match["m"]), int(match["d"]))
        return FoundDate(found, DAY) if found else None
    for match in _NUMERIC_DATE_RE.finditer(folded):
        a, b = int(match["d"]), int(match["m"])
        year, notes = _fix_year(match["y"], context_years or [])
        if year is None:
            continue
        after = folded[match.end() : match.end() + 16]
        month_first = b > 12 >= a or (_US_CLOCK_RE.match(after.strip()) and a <= 12)
        day, month = (b, a) if month_first else (a, b)
        found = _make_date(year, month, day)
        if found:
            return FoundDate(found, DAY, tuple(notes))
    return None


def is_date_line(line: str) -> bool:
    """Whether ``line`` is a dateline: a date with at most a few words around it
    (a label, a clock, a view counter, a byline's name), not a sentence.

    A line of parts separated by "|" is one when its first part holds the
    date ("22/12/2017 | Phòng CNTT - Sở TT&TT Tây Ninh").
    """
    first = line.split("|", 1)[0] if line_date(line.split("|", 1)[0]) else line
    if line_date(first) is None:
        return False
    headline, printed = trailing_date(line)
    if printed is not None and len(headline.split()) >= 4:
        return False  # "Headline (25/11/2020, 15:06)": a headline with its date
    folded = fold(first)
    if re.search(r"[a-z]{2,}\.\s+[a-z]", folded):  # a full stop inside: prose
        return False
    words = re.findall(r"[a-z]+", folded)
    other = [w for w in words if w not in _DATELINE_WORDS and w not in _MONTHS_EN]
    return len(other) <= _DATELINE_OTHER_WORDS


def trailing_date(line: str) -> tuple[str, FoundDate | None]:
    """``"Headline (25/11/2020, 15:06)"`` → the headline and its date."""
    match = re.search(r"\s*\(([^()]{6,40})\)\s*$", line)
    if match:
        found = line_date(match.group(1))
        if found is not None:
            return line[: match.start()].rstrip(), found
    return line, None


# -- the archive's prefix and the URL ----------------------------------------------

_ARCHIVE_PREFIX_RE = re.compile(r"^\s*date\s+(\d{4})-(\d{2})(?:-(\d{2}))?\s+", re.IGNORECASE)


def take_archive_prefix(text: str) -> tuple[FoundDate | None, str]:
    """Some archives put `` date YYYY-MM `` before the scraped text."""
    match = _ARCHIVE_PREFIX_RE.match(text)
    if not match:
        return None, text
    year, month, day = (int(g) if g else None for g in match.groups())
    rest = text[match.end() :]
    found = _make_date(year, month, day or 1)
    if found is None or not MIN_YEAR <= year <= max_year():
        return None, rest
    return FoundDate(found, DAY if day else MONTH), rest


def _plausible(year: int) -> bool:
    return MIN_YEAR <= year <= max_year()


def url_date(url: str) -> FoundDate | None:
    """The publication date many CMSs write into an article's address."""
    if not url:
        return None
    try:
        parts = urlsplit(url)
    except ValueError:
        return None
    path = unquote(parts.path + ("?" + parts.query if parts.query else ""))
    # /2023/07/04/ and /2020-09-29/
    for match in re.finditer(r"(?<!\d)((?:19|20)\d{2})[/-](\d{1,2})[/-](\d{1,2})(?!\d)", path):
        found = _make_date(int(match[1]), int(match[2]), int(match[3]))
        if found:
            return FoundDate(found, DAY)
    # Timestamps: 20221230135758341 (YYYYMMDDhhmmss + ms) and 180240424110958529
    # (a 3-digit section, then YYMMDDhhmmss and 3 more digits).
    for match in re.finditer(r"(?<!\d)(\d{17,18})(?!\d)", path):
        digits = match[1]
        if len(digits) == 17:
            year, month, day, hour = digits[:4], digits[4:6], digits[6:8], digits[8:10]
        else:
            year, month, day, hour = "20" + digits[3:5], digits[5:7], digits[7:9], digits[9:11]
        found = _make_date(int(year), int(month), int(day))
        if found and _plausible(found.year) and int(hour) < 24:
            return FoundDate(found, DAY)
    # -13012023- (day, month, year) or -20160805. (year, month, day) between separators.
    for match in re.finditer(r"(?<=[-_/])(\d{8})(?=[-_./]|$)", path):
        digits = match[1]
        found = None
        if digits[:2] in {"19", "20"}:
            found = _make_date(int(digits[:4]), int(digits[4:6]), int(digits[6:]))
        if found is None and digits[4:6] in {"19", "20"}:
            found = _make_date(int(digits[4:]), int(digits[2:4]), int(digits[:2]))
        if found and _plausible(found.year):
            return FoundDate(found, DAY)
    # /201301/ (year and month) and /2008/9/ (year, then month).
    match = re.search(r"/((?:19|20)\d{2})(0[1-9]|1[0-2])/", path)
    if match:
        return FoundDate(dt.date(int(match[1]), int(match[2]), 1), MONTH)
    match = re.search(r"/((?:19|20)\d{2})/(\d{1,2})/", path)
    if match and 1 <= int(match[2]) <= 12:
        return FoundDate(dt.date(int(match[1]), int(match[2]), 1), MONTH)
    return None


# -- the lead --------------------------------------------------------------------


def first_lead_date(paragraph: str, context_years: list[int] | None = None) -> FoundDate | None:
    """The first date in a lead paragraph that is not the date of a cited document.

    A date that ends or starts a span (``từ 8/9 đến 22/9/2009``) is known to
    the month only.
    """
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
        if not (1 <= month <= 12 and _plausible(year)):
            continue
        role = _role(folded, match.start(), match.end())
        if role == "since":
            continue
        precision = YEAR if role == "status" else MONTH
        found = dt.date(year, month if precision == MONTH else 1, 1)
        candidates.append((match.start(), FoundDate(found, precision)))
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
    role = _role(folded, match.start(), match.end())
    if role == "since":
        return None
    if role == "status":
        return FoundDate(dt.date(found.year, 1, 1), YEAR, tuple(notes))
    if role == "span":
        return FoundDate(dt.date(found.year, found.month, 1), MONTH, tuple(notes))
    return FoundDate(found, DAY, tuple(notes))


def _role(folded: str, start: int, end: int) -> str:
    """What a date in a lead stands for, from the words just before it.

    "dùng từ ngày 01/01/2017" (since: when something began, long before),
    "tính đến ngày 30/6/2025" (status: the moment the figures describe,
    known to the year), "từ 8/9 đến 22/9/2009" (span: known to the month),
    or the reported event itself.
    """
    before = folded[max(0, start - 12) : start]
    after = folded[end : end + 12]
    if _SINCE_RE.search(before) and start > _LEAD_OPENING:
        return "since"
    spans = bool(re.search(r"\btu\b", folded[max(0, start - 30) : start]))
    if _UNTIL_RE.search(before) and not spans:
        return "status"
    if _RANGE_BEFORE_RE.search(before) or _RANGE_AFTER_RE.match(after):
        return "span"
    return "event"


def _is_cited(folded: str, start: int) -> bool:
    before = folded[max(0, start - _CITATION_LOOKBACK) : start]
    # Only the current clause: a citation in an earlier sentence does not count.
    before = re.split(r"[.;:]\s", before)[-1]
    return bool(_CITATION_RE.search(before))


# "Chiều 6-1,", "Sáng 10/3,", "Ngày 5.8,", "Sáng nay, 26-6,", "Sáng nay (30/8)":
# the day the lead reports, its year left to the reader.
_DAY_MONTH_RE = re.compile(
    r"(?P<when>(?:sang|chieu|toi|trua|dem|hom)(?:\s+nay)?|ngay|nay)\s*[,(]?\s*"
    r"(?:ngay\s*)?(?P<d>\d{1,2})\s*[/.-]\s*(?P<m>\d{1,2})(?!\s*[/.-]\s*\d)\)?"
)


@dataclass(frozen=True)
class DayMonth:
    day: int
    month: int
    today: bool  # "sáng nay": the day of publication itself


def lead_day_month(paragraph: str) -> DayMonth | None:
    """The day and month that open a lead which does not print the year."""
    from articles.importer.markers import split_source_marker

    match = _DAY_MONTH_RE.match(fold(split_source_marker(paragraph[:120])[1]).strip())
    if not match:
        return None
    day, month = int(match["d"]), int(match["m"])
    if not (1 <= day <= 31 and 1 <= month <= 12):
        return None
    return DayMonth(day, month, today="nay" in match["when"])


_DAY_MONTH_ANYWHERE_RE = re.compile(
    r"\b(?:ngay|sang|chieu|toi|trua)\s+(?P<d>\d{1,2})\s*[/.-]\s*(?P<m>\d{1,2})(?!\s*[/.-]?\s*\d)"
)


def day_months_in(text: str) -> list[DayMonth]:
    """Every "ngày 8/12" (no year) in ``text`` that is not a cited document's date."""
    folded = fold(text)
    found = []
    for match in _DAY_MONTH_ANYWHERE_RE.finditer(folded):
        day, month = int(match["d"]), int(match["m"])
        if 1 <= day <= 31 and 1 <= month <= 12 and not _is_cited(folded, match.start()):
            found.append(DayMonth(day, month, today=False))
    return found


def with_year(found: DayMonth, year: int) -> FoundDate | None:
    date = _make_date(year, found.month, found.day)
    return FoundDate(date, DAY) if date else None


def resolve_day_month(
    found: DayMonth, published: FoundDate | None, years: list[int], *, review: bool = False
):
    """The full date of ``found``, its year from the publication date or the text.

    Reported events precede their report: with a publication month known,
    the year is the one that puts the day on or before it.
    """
    if published is not None:
        date = _make_date(published.date.year, found.month, found.day)
        limit = published.date
        if published.precision == MONTH:
            limit = _make_date(limit.year, limit.month, 28) or limit
            limit = limit + dt.timedelta(days=3)
        if date and published.precision != YEAR and date > limit:
            date = _make_date(published.date.year - 1, found.month, found.day)
        return FoundDate(date, DAY) if date else None
    distinct = sorted(set(years))
    if len(distinct) == 1:
        return with_year(found, distinct[0])
    if len(distinct) == 2 and distinct[1] - distinct[0] == 1:
        # "tổng kết năm 2014, triển khai nhiệm vụ năm 2015": a review held
        # early in the second year or late in the first. Otherwise the text
        # looks back: "kết quả DTI năm 2022" announced in 2023.
        if review and found.month > 6:
            return with_year(found, distinct[0])
        return with_year(found, distinct[1])
    return None


# -- the body, when nothing else dates the article --------------------------------

# "tính đến hết tháng 9/2023", "6 tháng đầu năm 2023", "Năm 2024, ...": the
# moment the article reports on. "đến năm 2025", "giai đoạn 2021-2025",
# "tầm nhìn 2030" look ahead and say nothing of when it was written.
_STATUS_YEAR_RE = re.compile(
    r"(?:tinh den|den nay|tinh toi|thang (?:dau|cuoi) nam|trong nam|cuoi nam|dau nam|"
    r"(?:^|[.;!?]\s+)nam)"
    r"(?:\s+(?:ngay|het|thang|cuoi|dau|quy|nam))*\s*(?:\d{1,2}\s*[/.-]\s*)*"
    r"((?:19|20)\d{2})(?![\d/])",
    re.MULTILINE,
)
# Any year, but not a document's ("43/2011/NĐ-CP") nor either end of a
# period ("2020 - 2025").
_ANY_YEAR_RE = re.compile(
    r"(?<!\d)(?<!\d\s-\s)(?<!\d-)(?<!\d\s–\s)((?:19|20)\d{2})(?!\d)(?!/[a-z])(?!\s*[-–]\s*\d{4})"
)
_AHEAD_RE = re.compile(
    r"(?:den|toi|tam nhin|dinh huong|giai doan|muc tieu|ke hoach)\s*(?:cuoi\s*)?(?:nam\s*)?$"
)


def body_year(text: str, *, loose: bool = False) -> int | None:
    """The latest year the text reports as its present, or None.

    With ``loose``, any year the text mentions outside a plan or a cited
    document counts (used to complete a "Sáng 5/12" that the text dates).
    """
    folded = fold(text)
    years = []
    for match in (_ANY_YEAR_RE if loose else _STATUS_YEAR_RE).finditer(folded):
        before = folded[max(0, match.start(1) - 20) : match.start(1)]
        if _AHEAD_RE.search(before) or _is_cited(folded, match.start(1)):
            continue
        year = int(match.group(1))
        if _plausible(year) and year <= dt.date.today().year:
            years.append(year)
    return max(years) if years else None


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


def month_only(found: FoundDate) -> FoundDate:
    return FoundDate(dt.date(found.date.year, found.date.month, 1), MONTH)
