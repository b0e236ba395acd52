"""What an article page tells machines about itself: the canonical address,
Open Graph tags for link previews and schema.org ``NewsArticle`` JSON-LD.

Built as plain data here (testable without templates); rendered by the
``{% article_meta article %}`` tag (``articles/templatetags/article_meta.py``)
into ``templates/articles/_head_meta.html``.
"""

from __future__ import annotations

import datetime as dt
import json
from dataclasses import dataclass

from django.http import HttpRequest
from django.utils.safestring import SafeString, mark_safe

from articles.models import Article, DatePrecision

SITE_NAME = "Tin ICT các tỉnh"
COUNTRY = "Việt Nam"
# The departments were Sở Bưu chính, Viễn thông until 2008 (the month varied
# by province) and merged into the Sở Khoa học và Công nghệ on 2025-03-01.
TTTT_FROM_YEAR = 2008
KHCN_FROM = dt.date(2025, 3, 1)
# Search engines cut longer headlines; the full title stays in "name".
HEADLINE_MAX = 110

# The same escapes as Django's json_script: a title containing "</script>"
# or "<!--" cannot end the script element or open a comment.
_SCRIPT_ESCAPES = {ord("<"): "\\u003C", ord(">"): "\\u003E", ord("&"): "\\u0026"}


def iso_date(article: Article) -> str | None:
    """The date in ISO 8601 at the precision the text supports.

    ISO 8601 allows reduced precision: "2008-10" for a month, "2008" for a
    year; a made-up first day would claim knowledge the archive lacks.
    """
    date, precision = article.date, article.date_precision
    if date is None or precision == DatePrecision.UNKNOWN:
        return None
    if precision == DatePrecision.YEAR:
        return f"{date.year:04d}"
    if precision == DatePrecision.MONTH:
        return f"{date.year:04d}-{date.month:02d}"
    return date.isoformat()


def publisher_name(article: Article) -> str:
    """Who published the article: the recorded source, else the provincial
    department under the name it had at the article's date."""
    if article.source:
        return article.source
    if not article.province_id:
        return SITE_NAME
    known = article.date is not None and article.date_precision != DatePrecision.UNKNOWN
    if known and article.date.year < TTTT_FROM_YEAR:
        department = "Sở BCVT"
    elif known and article.date >= KHCN_FROM:
        department = "Sở KH&CN"
    else:
        department = "Sở TT&TT"
    return f"{department} {article.province.name}"


def canonical_url(article: Article, request: HttpRequest | None) -> str:
    path = article.get_absolute_url()
    # Without a request (a template rendered outside a view) only the path is known.
    return request.build_absolute_uri(path) if request is not None else path


def _shorten(text: str, limit: int) -> str:
    if len(text) <= limit:
        return text
    cut = text[: limit - 1].rsplit(" ", 1)[0]
    return cut + "…"


def _author(byline: str) -> dict:
    # Some bylines name only the department ("Sở TT&TT Hậu Giang").
    kind = "Organization" if byline.lower().startswith("sở ") else "Person"
    return {"@type": kind, "name": byline}


def news_article(article: Article, request: HttpRequest | None) -> dict:
    """The schema.org NewsArticle description of ``article`` as a dict."""
    url = canonical_url(article, request)
    organization = {"@type": "Organization", "name": publisher_name(article)}
    data: dict = {
        "@context": "https://schema.org",
        "@type": "NewsArticle",
        "headline": _shorten(article.title, HEADLINE_MAX),
        "name": article.title,
        "description": article.summary,
        "inLanguage": "vi",
        "url": url,
        "mainEntityOfPage": {"@type": "WebPage", "@id": url},
        "publisher": organization,
        "sourceOrganization": organization,
    }
    published = iso_date(article)
    if published:
        data["datePublished"] = published
    if article.byline:
        data["author"] = _author(article.byline)
    if article.province_id:
        place = {
            "@type": "Place",
            "name": article.province.name,
            "containedInPlace": {"@type": "Country", "name": COUNTRY},
        }
        data["contentLocation"] = place
        data["locationCreated"] = place
    sections = [field.name for field in article.fields.all()]
    if sections:
        data["articleSection"] = sections
    if article.source_url:
        data["isBasedOn"] = article.source_url
    return data


def json_ld_script(data: dict) -> SafeString:
    """``data`` as a ``<script type="application/ld+json">`` element, safe in HTML."""
    payload = json.dumps(data, ensure_ascii=False).translate(_SCRIPT_ESCAPES)
    # Safe: every character that could end the element or start markup is escaped above.
    return mark_safe(f'<script type="application/ld+json">{payload}</script>')


@dataclass
class ArticleMeta:
    canonical: str
    description: str
    open_graph: list[tuple[str, str]]  # (property, content), in output order
    json_ld: SafeString


def article_meta(article: Article, request: HttpRequest | None) -> ArticleMeta:
    url = canonical_url(article, request)
    og = [
        ("og:type", "article"),
        ("og:site_name", SITE_NAME),
        ("og:locale", "vi_VN"),
        ("og:title", article.title),
        ("og:description", article.summary),
        ("og:url", url),
    ]
    published = iso_date(article)
    if published:
        og.append(("article:published_time", published))
    if article.province_id:
        og.append(("article:section", article.province.name))
    og.extend(("article:tag", field.name) for field in article.fields.all())
    return ArticleMeta(url, article.summary, og, json_ld_script(news_article(article, request)))
