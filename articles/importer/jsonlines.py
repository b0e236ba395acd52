"""Articles given as JSON Lines: one object per line, metadata optional.

Keys understood: ``title``, ``body`` (or ``text``/``content``), ``date``
('YYYY', 'YYYY-MM' or 'YYYY-MM-DD'), ``province`` (any spelling),
``fields`` (codes or names, a list or a comma-separated string), ``byline``,
``source`` and ``source_url`` (or ``url``). Given values win; missing ones
are extracted from the text the same way as for a scraped file.
"""

from __future__ import annotations

import json
import re
from collections.abc import Callable, Iterator, Mapping
from dataclasses import dataclass
from typing import Any

from articles.importer import dates
from articles.importer.cleaning import clean_line
from articles.importer.errors import NotAnArticle, SkipInput
from articles.importer.extraction import (
    REASON_LOW_CONFIDENCE_FIELDS,
    REASON_NO_DATE,
    REASON_NO_FIELDS,
    REASON_NO_PROVINCE,
    REASON_PROVINCE_UNCLEAR,
    ExtractedArticle,
    extract_single_article,
)
from articles.importer.provinces import ProvinceMatcher, default_matcher

FieldLookup = Callable[[str], "str | None"]

_BODY_KEYS = ("body", "text", "content")
_URL_KEYS = ("source_url", "url")
_DATE_REASONS = (REASON_NO_DATE, "date year contradicts headline; corrected")


@dataclass(frozen=True)
class JsonLine:
    number: int  # 1-based line number in the file
    text: str


def json_lines(text: str) -> Iterator[JsonLine]:
    """The non-blank lines of a JSON Lines file with their line numbers."""
    for number, line in enumerate(text.splitlines(), 1):
        if line.strip():
            yield JsonLine(number, line.lstrip("\ufeff"))


def article_from_json_line(
    line: JsonLine,
    *,
    field_lookup: FieldLookup,
    matcher: ProvinceMatcher | None = None,
) -> ExtractedArticle:
    """The article a JSON line describes; raises ``SkipInput`` with a reason if none."""
    try:
        record = json.loads(line.text)
    except json.JSONDecodeError as exc:
        raise SkipInput(f"invalid JSON ({exc.msg} at column {exc.colno})") from exc
    if not isinstance(record, dict):
        raise SkipInput(f"not a JSON object but {type(record).__name__}")
    matcher = matcher or default_matcher()

    title = _text_value(record, "title")
    body = next((_text_value(record, key) for key in _BODY_KEYS if record.get(key)), "")
    if not title and not body:
        raise SkipInput("no title or text")
    # With a title the body is all body; without, the text's first line is its headline.
    text = f"{title}\n\n{body}" if title else body
    try:
        article = extract_single_article(text, matcher=matcher)
    except NotAnArticle as exc:
        raise SkipInput(exc.reason) from exc
    article.source_item = line.number
    if title:
        article.title = clean_line(title)
    _apply_date(article, record.get("date"))
    _apply_province(article, record.get("province"), matcher)
    _apply_fields(article, record.get("fields"), field_lookup)
    for key in ("byline", "source"):
        value = _text_value(record, key)
        if value:
            setattr(article, key, value)
    url = next((_text_value(record, key) for key in _URL_KEYS if record.get(key)), "")
    if url:
        article.source_url = url
    return article


def _text_value(record: Mapping[str, Any], key: str) -> str:
    value = record.get(key)
    if value is None:
        return ""
    return str(value).strip()


def _apply_date(article: ExtractedArticle, value: Any) -> None:
    if value in (None, ""):
        return
    found = dates.parse_iso_like(str(value))
    if found is None:
        article.add_reason(f"given date {value!r} not understood; date extracted from the text")
        return
    article.set_date(found)
    article.review_reasons = [r for r in article.review_reasons if r not in _DATE_REASONS]


def _apply_province(article: ExtractedArticle, value: Any, matcher: ProvinceMatcher) -> None:
    if value in (None, ""):
        return
    province = matcher.first_in(str(value)) or matcher.first_in(str(value).title())
    if province is None:
        article.add_reason(f"given province {value!r} not recognised")
        return
    article.province = province
    article.review_reasons = [
        r for r in article.review_reasons if r not in (REASON_NO_PROVINCE, REASON_PROVINCE_UNCLEAR)
    ]


def _apply_fields(article: ExtractedArticle, value: Any, field_lookup: FieldLookup) -> None:
    if value in (None, ""):
        return
    names = re.split(r"\s*[,;]\s*", value) if isinstance(value, str) else list(value)
    codes: list[str] = []
    unknown: list[str] = []
    for name in names:
        code = field_lookup(str(name))
        if code is None:
            unknown.append(str(name))
        elif code not in codes:
            codes.append(code)
    if unknown:
        article.add_reason(f"given fields not recognised: {', '.join(unknown)}")
    if codes or not unknown:
        article.fields = tuple(codes)
        article.review_reasons = [
            r
            for r in article.review_reasons
            if r != REASON_NO_FIELDS and not r.startswith(REASON_LOW_CONFIDENCE_FIELDS)
        ]
