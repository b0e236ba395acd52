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
    REASON_DATE_FROM_BODY,
    REASON_LOW_CONFIDENCE_FIELDS,
    REASON_NO_DATE,
    REASON_NO_FIELDS,
    REASON_NO_PROVINCE,
    REASON_PROVINCE_UNCLEAR,
    ExtractedArticle,
    extract_single_article,
)
from articles.importer.provinces import ProvinceMatcher, default_matcher
from articles.importer.sites import SiteTable

FieldLookup = Callable[[str], "str | None"]

_BODY_KEYS = ("body", "text", "content")
_URL_KEYS = ("source_url", "url")
# Keys whose value, when given, must be a JSON string: anything else would
# be stringified into the archive ("nan", "['list']").
MAX_URL_CHARS = 2000  # Article.source_url's max_length
_STRING_KEYS = ("title", *_BODY_KEYS, "province", "byline", "source", *_URL_KEYS)
_DATE_REASONS = (
    REASON_NO_DATE,
    REASON_DATE_FROM_BODY,
    "date year contradicts headline; corrected",
)


@dataclass(frozen=True)
class JsonLine:
    number: int  # 1-based line number in the file
    text: str


def json_lines(text: str) -> Iterator[JsonLine]:
    """The non-blank lines of a JSON Lines file with their line numbers."""
    for number, line in enumerate(text.splitlines(), 1):
        if line.strip():
            yield JsonLine(number, line.lstrip("\ufeff"))


def _no_constants(name: str) -> None:
    # NaN and Infinity are not JSON; Python's parser accepts them by default.
    raise ValueError(f"{name} is not a JSON value")


def parse_record(text: str) -> dict[str, Any]:
    """The JSON object of one line, its values checked; ``SkipInput`` otherwise."""
    try:
        record = json.loads(text, parse_constant=_no_constants)
    except json.JSONDecodeError as exc:
        raise SkipInput(f"invalid JSON ({exc.msg} at column {exc.colno})") from exc
    except ValueError as exc:
        raise SkipInput(f"invalid JSON ({exc})") from exc
    except RecursionError as exc:
        raise SkipInput("invalid JSON (nested too deeply)") from exc
    if not isinstance(record, dict):
        raise SkipInput(f"not a JSON object but {type(record).__name__}")
    for key in _STRING_KEYS:
        value = record.get(key)
        if value is not None and not isinstance(value, str):
            raise SkipInput(f"{key!r} must be a string, not {_json_type(value)}")
    date = record.get("date")
    if date is not None and not isinstance(date, str) and not _is_year(date):
        raise SkipInput(f"'date' must be a string or a year, not {_json_type(date)}")
    fields = record.get("fields")
    if not (fields is None or isinstance(fields, str) or _is_string_list(fields)):
        raise SkipInput("'fields' must be a string or a list of strings")
    return record


def _is_string_list(value: Any) -> bool:
    return isinstance(value, list) and all(isinstance(item, str) for item in value)


def _is_year(value: Any) -> bool:
    return isinstance(value, int) and not isinstance(value, bool)


def _json_type(value: Any) -> str:
    names = {bool: "a boolean", int: "a number", float: "a number", list: "a list"}
    return names.get(type(value), "an object" if isinstance(value, dict) else "a value")


def article_from_json_line(
    line: JsonLine,
    *,
    field_lookup: FieldLookup,
    matcher: ProvinceMatcher | None = None,
    sites: SiteTable | None = None,
) -> ExtractedArticle:
    """The article a JSON line describes; raises ``SkipInput`` with a reason if none."""
    record = parse_record(line.text)
    matcher = matcher or default_matcher()

    title = _text_value(record, "title")
    body = next((_text_value(record, key) for key in _BODY_KEYS if record.get(key)), "")
    if not title and not body:
        raise SkipInput("no title or text")
    # With a title the body is all body; without, the text's first line is its headline.
    text = f"{title}\n\n{body}" if title else body
    url = next((_text_value(record, key) for key in _URL_KEYS if record.get(key)), "")
    try:
        article = extract_single_article(
            text, matcher=matcher, url=url if _is_web_address(url) else "", sites=sites
        )
    except NotAnArticle as exc:
        raise SkipInput(exc.reason) from exc
    article.source_item = line.number
    if title:
        article.title = clean_line(title)
    _apply_date(article, record.get("date"))
    _apply_province(article, record.get("province"), matcher)
    _apply_fields(article, record.get("fields"), field_lookup)
    for key in ("byline", "source"):
        value = clean_line(_text_value(record, key))
        if value:
            setattr(article, key, value)
    url = next((_text_value(record, key) for key in _URL_KEYS if record.get(key)), "")
    if url and _is_web_address(url):
        article.source_url = url
    elif url:
        # Shown to readers as a link: only an http(s) address of sane length.
        article.add_reason(f"given url {url[:80]!r} is not a web address; not kept")
    return article


def _is_web_address(url: str) -> bool:
    return (
        len(url) <= MAX_URL_CHARS
        and re.match(r"https?://[^\s/]+", url, re.IGNORECASE) is not None
        and not any(ch.isspace() for ch in url)
    )


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
    article.set_date(found, "ghi sẵn trong tệp")
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
        r
        for r in article.review_reasons
        if r != REASON_NO_PROVINCE and not r.startswith(REASON_PROVINCE_UNCLEAR)
    ]
    article.signals["province"] = "ghi sẵn trong tệp"


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
