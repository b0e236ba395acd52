"""From the text of a scraped file to the articles in it.

Pure functions, no database: the pipeline maps the results onto models.
A file holds one article (headline on the first line) or a digest of
several, each announced at the top and introduced by its own headline line.
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
    split_mic_marker,
    text_lines,
    words,
)
from articles.importer.errors import NotAnArticle
from articles.importer.fields import judge_fields
from articles.importer.provinces import ProvinceMatcher, default_matcher

MIC_SOURCE = "mic.gov.vn"
MAX_TITLE_CHARS = 600  # Article.title's max_length
_PREAMBLE_LINES = 3

REASON_NO_PROVINCE = "no province found"
REASON_PROVINCE_UNCLEAR = "province uncertain (several mentioned)"
REASON_NO_DATE = "no date found"
REASON_DATE_FROM_DIGEST = "date taken from the digest's other items (year only)"
REASON_LOW_CONFIDENCE_FIELDS = "low-confidence fields"
REASON_NO_FIELDS = "no ICT field found"


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

    @property
    def needs_review(self) -> bool:
        return bool(self.review_reasons)

    @property
    def date_string(self) -> str | None:
        """'YYYY', 'YYYY-MM' or 'YYYY-MM-DD' as far as the date is known."""
        if self.date is None or self.date_precision == dates.UNKNOWN:
            return None
        return dates.FoundDate(self.date, self.date_precision).as_string()

    def set_date(self, found: dates.FoundDate | None) -> None:
        if found is None:
            self.date, self.date_precision = None, dates.UNKNOWN
        else:
            self.date, self.date_precision = found.date, found.precision

    def add_reason(self, reason: str) -> None:
        if reason not in self.review_reasons:
            self.review_reasons.append(reason)


@dataclass
class _Item:
    title: str
    lines: list[str]


@dataclass
class _FileContext:
    headline: str
    source: str
    dateline: dates.FoundDate | None
    byline: str
    is_digest: bool
    all_text: str


def extract_articles(
    text: str, *, matcher: ProvinceMatcher | None = None
) -> list[ExtractedArticle]:
    """The articles of one scraped file, numbered from 1 in reading order.

    Raises ``NotAnArticle`` when the text has no headline or no body.
    """
    matcher = matcher or default_matcher()
    context, rest = _read_parts(text)
    items = _split_digest(rest)
    if items is None:
        items = [_Item(context.headline, rest)]
    else:
        context.is_digest = True
    articles = [
        _build_article(item, number, context, matcher) for number, item in enumerate(items, 1)
    ]
    _date_from_digest_context(articles)
    return articles


def extract_single_article(
    text: str, *, matcher: ProvinceMatcher | None = None
) -> ExtractedArticle:
    """Like ``extract_articles`` for text known to hold one article (a JSON record)."""
    matcher = matcher or default_matcher()
    context, rest = _read_parts(text)
    return _build_article(_Item(context.headline, rest), 1, context, matcher)


def _read_parts(text: str) -> tuple[_FileContext, list[str]]:
    """Headline, lead marker, dateline and byline taken off; the body lines left."""
    lines = drop_furniture(cut_footer(text_lines(text)))
    if not lines:
        raise NotAnArticle("no text besides page furniture")
    headline = _headline(lines[0])
    source, rest = _take_source_marker(lines[1:])
    dateline, rest = _take_dateline(rest, dates.headline_years(headline))
    byline, rest = take_byline(rest)
    rest = [line for line in drop_repeats(rest) if line_key(line) != line_key(headline)]
    if not rest:
        raise NotAnArticle("no body text after the headline")
    context = _FileContext(
        headline=headline,
        source=source,
        dateline=dateline,
        byline=byline,
        is_digest=False,
        all_text="\n".join(lines),
    )
    return context, rest


# -- the parts of a file ---------------------------------------------------


def _headline(line: str) -> str:
    if dates.parse_dateline(line):
        raise NotAnArticle("no headline (the first line is a date)")
    if split_mic_marker(line)[0]:
        raise NotAnArticle("no headline (the text starts with its lead)")
    if len(line) > MAX_TITLE_CHARS:
        raise NotAnArticle(f"no headline (the first line is a {len(line)}-character paragraph)")
    return line


def _take_source_marker(lines: list[str]) -> tuple[str, list[str]]:
    for index, line in enumerate(lines[:_PREAMBLE_LINES]):
        found, rest = split_mic_marker(line)
        if found:
            kept = [*lines[:index], *([rest] if rest else []), *lines[index + 1 :]]
            return MIC_SOURCE, kept
    return "", lines


def _take_dateline(
    lines: list[str], context_years: list[int]
) -> tuple[dates.FoundDate | None, list[str]]:
    for index, line in enumerate(lines[:_PREAMBLE_LINES]):
        found = dates.parse_dateline(line, context_years)
        if found:
            return found, lines[:index] + lines[index + 1 :]
    return None, lines


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
    item: _Item, number: int, context: _FileContext, matcher: ProvinceMatcher
) -> ExtractedArticle:
    body = "\n\n".join(item.lines)
    article = ExtractedArticle(
        title=item.title,
        body=body,
        byline=context.byline,
        source=context.source,
        source_item=number,
    )
    _set_date(article, item, context)
    _set_province(article, item, context, matcher)
    _set_fields(article)
    return article


def _set_date(article: ExtractedArticle, item: _Item, context: _FileContext) -> None:
    years = dates.headline_years(item.title) + dates.headline_years(context.headline)
    lead = dates.first_lead_date(item.lines[0], years)
    # A single article's dateline is its publication date. A digest's dateline
    # is when the digest was put together; its items carry their own dates.
    found = (lead or context.dateline) if context.is_digest else (context.dateline or lead)
    article.set_date(found)
    if found is None:
        article.add_reason(REASON_NO_DATE)
    else:
        for note in found.notes:
            article.add_reason(note)


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
        article.set_date(dates.year_only(dates.FoundDate(dated.date, dated.date_precision)))
        article.review_reasons.remove(REASON_NO_DATE)
        article.add_reason(REASON_DATE_FROM_DIGEST)


def _set_province(
    article: ExtractedArticle, item: _Item, context: _FileContext, matcher: ProvinceMatcher
) -> None:
    province = matcher.first_in(item.title) or matcher.first_in(context.headline)
    if province is None:
        province, clear = matcher.best_in(article.body)
        if province is None:
            province, clear = matcher.best_in(context.all_text)
        if province is not None and not clear:
            article.add_reason(REASON_PROVINCE_UNCLEAR)
    article.province = province
    if province is None:
        article.add_reason(REASON_NO_PROVINCE)


def _set_fields(article: ExtractedArticle) -> None:
    judgement = judge_fields(article.title, article.body)
    article.fields = judgement.codes
    if judgement.uncertain:
        article.add_reason(f"{REASON_LOW_CONFIDENCE_FIELDS}: {', '.join(judgement.uncertain)}")
    elif not judgement.codes:
        article.add_reason(REASON_NO_FIELDS)
