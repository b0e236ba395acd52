"""From the text of a scraped page to the articles in it.

Pure functions, no database: the pipeline maps the results onto models.
A page holds one article or a digest of several (each announced at the top
and introduced by its own headline line). Its top (``preamble``) gives the
headline, if it has one, and the datelines; the address, when the page came
with one, gives its site, often its date and its slug; the lead gives the
rest. No page is refused for its shape: without a headline the title comes
from the slug or the first sentence, and the editor is told.
"""

from __future__ import annotations

import datetime as dt
import re
from dataclasses import dataclass, field

from articles.importer import dates
from articles.importer.cleaning import (
    bullet_text,
    cut_footer,
    drop_furniture,
    drop_repeats,
    line_key,
    text_lines,
    words,
)
from articles.importer.errors import NotAnArticle
from articles.importer.fields import judge_fields
from articles.importer.markers import is_ministry, split_source_marker
from articles.importer.place import decide_province
from articles.importer.preamble import Top, is_prose, read_top
from articles.importer.provinces import ProvinceMatcher, default_matcher
from articles.importer.sites import SiteTable, default_sites, host_of
from articles.importer.titles import title_from_lead, title_from_slug
from articles.text import fold

MIC_SOURCE = "mic.gov.vn"
_CAPTION_WORDS = 30
MAX_TITLE_CHARS = 600  # Article.title's max_length

REASON_NO_PROVINCE = "no province found"
REASON_PROVINCE_UNCLEAR = "province uncertain (several mentioned)"
REASON_NO_DATE = "no date found"
REASON_DATE_FROM_DIGEST = "date taken from the digest's other items (year only)"
REASON_DATE_FROM_BODY = "only the year is known, from the text"
REASON_LOW_CONFIDENCE_FIELDS = "low-confidence fields"
REASON_NO_FIELDS = "no ICT field found"
REASON_TITLE_FROM_URL = "no headline on the page: title made from the address"
REASON_TITLE_FROM_LEAD = "no headline on the page: title made from the first sentence"


@dataclass
class ExtractedArticle:
    title: str
    body: str
    date: dt.date | None = None
    date_precision: str = dates.UNKNOWN
    province: str | None = None
    fields: tuple[str, ...] = ()
    byline: str = ""
    source: str = ""
    source_url: str = ""
    source_item: int = 1
    review_reasons: list[str] = field(default_factory=list)
    # What decided the province, the date and the title, for the editor.
    signals: dict[str, str] = field(default_factory=dict)

    @property
    def needs_review(self) -> bool:
        return bool(self.review_reasons)

    @property
    def date_string(self) -> str | None:
        """'YYYY', 'YYYY-MM' or 'YYYY-MM-DD' as far as the date is known."""
        if self.date is None or self.date_precision == dates.UNKNOWN:
            return None
        return dates.FoundDate(self.date, self.date_precision).as_string()

    def set_date(self, found: dates.FoundDate | None, signal: str = "") -> None:
        if found is None:
            self.date, self.date_precision = None, dates.UNKNOWN
            self.signals.pop("date", None)
        else:
            self.date, self.date_precision = found.date, found.precision
            if signal:
                self.signals["date"] = signal

    def add_reason(self, reason: str) -> None:
        if reason not in self.review_reasons:
            self.review_reasons.append(reason)

    def drop_reasons(self, *reasons: str) -> None:
        self.review_reasons = [r for r in self.review_reasons if r not in reasons]


@dataclass
class _Item:
    title: str
    lines: list[str]


@dataclass
class _Page:
    """What the whole page says, shared by the items of a digest."""

    headline: str
    headline_is_printed: bool
    title_reason: str
    source: str
    marker: str
    top: Top
    prefix_date: dates.FoundDate | None
    url: str
    byline: str
    is_digest: bool
    all_text: str


def extract_articles(
    text: str,
    *,
    matcher: ProvinceMatcher | None = None,
    url: str = "",
    sites: SiteTable | None = None,
) -> list[ExtractedArticle]:
    """The articles of one scraped page, numbered from 1 in reading order.

    Raises ``NotAnArticle`` when the page holds no text besides its chrome.
    """
    matcher, sites = matcher or default_matcher(), sites or default_sites()
    page, rest = _read_page(text, url)
    items = _split_digest(rest) if page.headline_is_printed else None
    if items is None:
        items = [_Item(page.headline, rest)]
    else:
        page.is_digest = True
    articles = [
        _build_article(item, number, page, matcher, sites) for number, item in enumerate(items, 1)
    ]
    _date_from_digest_context(articles)
    return articles


def extract_single_article(
    text: str,
    *,
    matcher: ProvinceMatcher | None = None,
    url: str = "",
    sites: SiteTable | None = None,
) -> ExtractedArticle:
    """Like ``extract_articles`` for text known to hold one article (a JSON record)."""
    matcher, sites = matcher or default_matcher(), sites or default_sites()
    page, rest = _read_page(text, url)
    return _build_article(_Item(page.headline, rest), 1, page, matcher, sites)


def _read_page(text: str, url: str) -> tuple[_Page, list[str]]:
    """The page's top and byline taken off; the body lines left."""
    prefix_date, text = dates.take_archive_prefix(text)
    lines = drop_furniture(cut_footer(text_lines(text)))
    if not lines:
        raise NotAnArticle("no text besides page furniture")
    top = read_top(lines, url)
    source = MIC_SOURCE if is_ministry(top.marker) else ""
    rest = [_without_ministry_marker(line) for line in top.body]
    rest = [line for line in rest if line]
    byline, rest = take_byline(rest)
    headline = top.headline or ""
    rest = [line for line in drop_repeats(rest) if line_key(line) != line_key(headline)]
    if not rest:
        raise NotAnArticle("no body text after the headline")
    title_reason = ""
    if not headline:
        headline = title_from_slug(url, "\n".join(lines)) if url else None
        title_reason = REASON_TITLE_FROM_URL
        if not headline:
            headline = title_from_lead(top.lead or rest[0])
            title_reason = REASON_TITLE_FROM_LEAD
    page = _Page(
        headline=headline[:MAX_TITLE_CHARS],
        headline_is_printed=bool(top.headline),
        title_reason=title_reason,
        source=source or (host_of(url) if url else ""),
        marker=top.marker,
        top=top,
        prefix_date=prefix_date,
        url=url,
        byline=byline,
        is_digest=False,
        all_text="\n".join(lines),
    )
    return page, rest


def _without_ministry_marker(line: str) -> str:
    marker, rest = split_source_marker(line)
    return rest if marker and is_ministry(marker) else line


# -- byline ----------------------------------------------------------------

_ORG_START = re.compile(
    r"^(?:Sở|Phòng|Trung tâm|Báo|Đài|Cổng|UBND|Ủy ban|Uỷ ban|Ban|Bộ|Cục|Chi cục|Văn phòng|"
    r"Viện|Hội|Tạp chí|Cổng TTĐT|Trường)\b"
)
_DASH_SPLIT = re.compile(r"\s+[-–—]\s+")
_MAX_NAME_WORDS = 5
_MAX_ORG_WORDS = 12
_MAX_ORG_CREDIT_WORDS = 8


def _is_person_name(text: str) -> bool:
    text = re.sub(r"\s*\((?:tổng hợp|st|TH)\)$", "", text, flags=re.IGNORECASE)
    parts = text.split()
    return (
        2 <= len(parts) <= _MAX_NAME_WORDS
        and len(text) <= 40
        and all(part[0].isupper() and part.replace(".", "").isalpha() for part in parts)
    )


def _is_organisation(text: str) -> bool:
    return (
        bool(_ORG_START.match(text))
        and len(text.split()) <= _MAX_ORG_WORDS
        and not text.endswith((".", ":", ";", ","))
    )


def _is_byline(text: str) -> bool:
    parts = _DASH_SPLIT.split(text, maxsplit=1)
    if len(parts) == 2:
        name, org = parts
        return _is_person_name(name) and (_is_organisation(org) or _is_person_name(org))
    return _is_person_name(text)


def take_byline(lines: list[str]) -> tuple[str, list[str]]:
    """The author line(s) at the end of the text, and the lines without them.

    Printed as "Name – Sở TT&TT X" on one line, as the name and the
    department on two (joined here with " – "), or as the department alone.
    """
    if len(lines) < 2:
        return "", lines
    last = lines[-1]
    if _is_organisation(last):
        if len(lines) >= 3 and _is_byline(lines[-2]):
            return f"{lines[-2]} – {last}", lines[:-2]
        if len(last.split()) <= _MAX_ORG_CREDIT_WORDS:
            return last, lines[:-1]  # credited to the department alone
    if _is_byline(last):
        return last, lines[:-1]
    return "", lines


# -- digests ---------------------------------------------------------------

_MAX_ITEM_HEADLINE_CHARS = MAX_TITLE_CHARS
_MIN_QUOTED_WORDS = 5


def _split_digest(lines: list[str]) -> list[_Item] | None:
    """The items of a digest, or None when the text is one article.

    A digest announces its items at the top, as a "* ..." list or in a lead
    sentence that names them, and then prints each item's headline on a line
    of its own before the item's text.
    """
    bullets: list[str] = []
    for line in lines:
        text = bullet_text(line)
        if text is None:
            break
        bullets.append(text)
    if len(bullets) >= 2:
        starts = _headlines_for_bullets(bullets, lines, first=len(bullets))
    else:
        starts = _headlines_quoted_in_lead(lines)
    if len(starts) < 2:
        return None
    items = []
    for position, start in enumerate(starts):
        end = starts[position + 1] if position + 1 < len(starts) else len(lines)
        body = lines[start + 1 : end]
        if not body:
            return None
        items.append(_Item(lines[start], body))
    return items


def _headlines_for_bullets(bullets: list[str], lines: list[str], first: int) -> list[int]:
    # The list gives short forms ("Sở làm việc với ..."); the headline line
    # spells them out ("Sở Thông tin và Truyền thông Bắc Giang làm việc với ...").
    starts: list[int] = []
    position = first
    for bullet in bullets:
        wanted = words(bullet)
        for index in range(position, len(lines)):
            candidate = lines[index]
            have = words(candidate)
            if (
                bullet_text(candidate) is None
                and len(candidate) <= _MAX_ITEM_HEADLINE_CHARS
                and len(have) <= 2 * len(wanted) + 6
                and _is_subsequence(wanted, have)
            ):
                starts.append(index)
                position = index + 1
                break
    return starts


def _headlines_quoted_in_lead(lines: list[str]) -> list[int]:
    lead = line_key(lines[0])
    starts = []
    for index in range(1, len(lines)):
        key = line_key(lines[index]).rstrip(".")
        if len(key.split()) >= _MIN_QUOTED_WORDS and len(key) < 0.9 * len(lead) and key in lead:
            starts.append(index)
    return starts


def _is_subsequence(short: list[str], long: list[str]) -> bool:
    it = iter(long)
    return bool(short) and all(word in it for word in short)


# -- one article -----------------------------------------------------------


def _build_article(
    item: _Item, number: int, page: _Page, matcher: ProvinceMatcher, sites: SiteTable
) -> ExtractedArticle:
    body = "\n\n".join(item.lines)
    article = ExtractedArticle(
        title=item.title,
        body=body,
        byline=page.byline,
        source=page.source,
        source_item=number,
    )
    if page.title_reason:
        article.add_reason(page.title_reason)
        article.signals["title"] = page.title_reason
    _set_date(article, item, page)
    _set_province(article, item, page, matcher, sites)
    _set_fields(article)
    return article


def _set_date(article: ExtractedArticle, item: _Item, page: _Page) -> None:
    found, signal = _find_date(item, page)
    article.set_date(found, signal)
    if found is None:
        article.add_reason(REASON_NO_DATE)
        return
    for note in found.notes:
        article.add_reason(note)
    if found.precision == dates.YEAR and signal.startswith("text"):
        article.add_reason(REASON_DATE_FROM_BODY)


def _find_date(item: _Item, page: _Page) -> tuple[dates.FoundDate | None, str]:
    """The article's date and what gave it.

    A date the page prints as its own (a dateline, a date after the
    headline, the address) wins over one in the lead, which is the date of
    the event; a publication month (an address folder, the archive's
    prefix) takes the lead's day when they agree.
    """
    years = dates.headline_years(item.title) + dates.headline_years(page.headline)
    top = page.top
    # A single article's lead is the page's first line of prose (a caption or
    # a category line may come before it); a digest item's is its own.
    lead = item.lines[0] if page.is_digest else (top.lead or item.lines[0])
    if not page.is_digest and not _has_date(lead) and len(lead.split()) < _CAPTION_WORDS:
        # A short first line without a date is often a photo's caption.
        following = [line for line in item.lines[:4] if line != lead and is_prose(line)]
        if following and _has_date(following[0]):
            lead = following[0]
    if page.is_digest:
        # A digest's dateline is when it was put together; its items carry
        # their own dates in their leads.
        found = dates.first_lead_date(lead, years)
        if found:
            return found, f"đoạn mở đầu: {_shown(lead)}"
    dateline = top.dateline()
    if dateline is not None:
        return dateline.date, f"dòng ngày đăng: {_shown(dateline.text)}"
    if top.headline_date is not None:
        return top.headline_date, "ngày in sau tiêu đề"
    from_url = dates.url_date(page.url)
    if from_url is not None and from_url.precision == dates.DAY:
        return from_url, f"địa chỉ bài: {_shown(page.url, 90)}"
    month = from_url or page.prefix_date
    where = f"địa chỉ bài: {_shown(page.url, 90)}" if from_url else "ngày kho lưu ghi trước bài"
    if month is not None and month.precision == dates.DAY:
        return month, where
    day_month = dates.lead_day_month(lead)
    full = dates.first_lead_date(lead, years)
    if month is not None:
        for candidate in ([day_month] if day_month else []) + dates.day_months_in(lead):
            resolved = dates.resolve_day_month(candidate, month, years)
            if resolved and (candidate.today or _same_month(resolved, month)):
                return resolved, f"đoạn mở đầu: {_shown(lead)}; năm theo {where.split(':')[0]}"
        if full is not None and full.precision == dates.DAY and _same_month(full, month):
            return full, f"đoạn mở đầu: {_shown(lead)}"
        return month, where
    if full is not None and (day_month is None or full.precision == dates.DAY):
        return full, f"đoạn mở đầu: {_shown(lead)}"
    if day_month is None:
        day_month = next(iter(dates.day_months_in(lead)), None)
    if day_month is not None:
        # The year nearest the day: the lead's first sentence, then the headline.
        first_sentence = re.split(r"(?<=[a-zà-ỹđ0-9)])[.!?]\s", lead, maxsplit=1)[0]
        # A year's review ("tổng kết năm 2014, triển khai nhiệm vụ năm 2015").
        review = "tong ket" in fold(f"{item.title} {first_sentence}")
        resolved = dates.resolve_day_month(
            day_month, None, dates.headline_years(first_sentence), review=review
        ) or dates.resolve_day_month(day_month, None, years, review=review)
        if resolved is None:
            year = dates.body_year("\n".join(item.lines), loose=True)
            resolved = dates.with_year(day_month, year) if year else None
        if resolved is not None:
            return resolved, f"đoạn mở đầu: {_shown(lead)}; năm theo nội dung bài"
    if full is not None:
        return full, f"đoạn mở đầu: {_shown(lead)}"
    text = "\n".join(item.lines)
    year = dates.body_year(text) or dates.body_year(text, loose=True)
    if year is not None:
        return dates.FoundDate(
            dt.date(year, 1, 1), dates.YEAR
        ), "nội dung bài: năm bài viết nói tới"
    return None, ""


def _has_date(line: str) -> bool:
    return bool(dates.first_lead_date(line) or dates.lead_day_month(line))


def _same_month(a: dates.FoundDate, b: dates.FoundDate) -> bool:
    return (a.date.year, a.date.month) == (b.date.year, b.date.month)


def _shown(text: str, limit: int = 70) -> str:
    text = " ".join(text.split())
    return text if len(text) <= limit else text[: limit - 1] + "…"


def _date_from_digest_context(articles: list[ExtractedArticle]) -> None:
    """An undated digest item ("Sáng nay, ...") gets the year of its neighbours."""
    if len(articles) < 2:
        return
    for index, article in enumerate(articles):
        if article.date is not None:
            continue
        neighbours = articles[:index][::-1] + articles[index + 1 :]
        dated = next((other for other in neighbours if other.date is not None), None)
        if dated is None:
            continue
        # "This morning" in a digest is on or after the previous item's day:
        # the year is certain, the day is not, and the month only bounded.
        article.set_date(
            dates.year_only(dates.FoundDate(dated.date, dated.date_precision)),
            "các tin khác trong cùng bản tin",
        )
        article.drop_reasons(REASON_NO_DATE)
        article.add_reason(REASON_DATE_FROM_DIGEST)


def _set_province(
    article: ExtractedArticle,
    item: _Item,
    page: _Page,
    matcher: ProvinceMatcher,
    sites: SiteTable,
) -> None:
    titles = item.title if item.title == page.headline else f"{item.title}\n{page.headline}"
    lead = item.lines[0] if page.is_digest else (page.top.lead or item.lines[0])
    decision = decide_province(
        title=titles if page.headline_is_printed else "",
        lead=lead,
        body="\n".join(line for line in item.lines if line != lead),
        url=page.url,
        marker=page.marker,
        matcher=matcher,
        sites=sites,
    )
    article.province = decision.province
    if decision.province is None:
        article.add_reason(REASON_NO_PROVINCE)
        return
    article.signals["province"] = decision.signal
    if not decision.clear:
        article.add_reason(f"{REASON_PROVINCE_UNCLEAR}: {decision.province} or {decision.rival}")


def _set_fields(article: ExtractedArticle) -> None:
    judgement = judge_fields(article.title, article.body)
    article.fields = judgement.codes
    if judgement.uncertain:
        article.add_reason(f"{REASON_LOW_CONFIDENCE_FIELDS}: {', '.join(judgement.uncertain)}")
    elif not judgement.codes:
        article.add_reason(REASON_NO_FIELDS)
