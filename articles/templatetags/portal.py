"""Template helpers for the reader pages: query-string links, dates, numbers.

Every link that changes the state of a results page (facets, chips, sorting,
paging) is built here from a ``QueryDict``, so a page's whole state lives in
its URL and nothing concatenates query strings by hand.
"""

from __future__ import annotations

from collections.abc import Iterable, Mapping
from html import escape

from django import template
from django.http import QueryDict
from django.utils.safestring import SafeString, mark_safe

from articles import structured_data
from articles.models import Article

register = template.Library()

# Changing what is selected starts again from the first page.
PAGE_KEY = "page"


def _start(context: template.Context, mappings: tuple) -> QueryDict:
    if not mappings:
        # A results page gives its links' state (``links``): its parameters as
        # searched, not whatever else the request carried.
        links = context.get("links")
        request = context.get("request")
        if links is not None:
            mappings = (links,)
        elif request is not None:
            mappings = (request.GET,)
    params = QueryDict(mutable=True)
    for mapping in mappings:
        if mapping is None:
            continue
        if not isinstance(mapping, Mapping):
            raise template.TemplateSyntaxError(
                f"querystring: expected a mapping, got {type(mapping).__name__}"
            )
        _apply(params, mapping.lists() if isinstance(mapping, QueryDict) else mapping.items())
    return params


def _apply(params: QueryDict, items: Iterable[tuple[str, object]]) -> None:
    for key, value in items:
        if value is None:
            params.pop(key, None)
        elif isinstance(value, Iterable) and not isinstance(value, str):
            params.setlist(key, [str(v) for v in value])
        else:
            params[key] = str(value)


def _encode(params: QueryDict) -> str:
    return f"?{params.urlencode()}" if params else "?"


def _values(params: QueryDict, key: str) -> list[str]:
    # "a,b" selects two values, as SearchParams reads it.
    return [part for v in params.getlist(key) for part in v.split(",") if part.strip()]


@register.simple_tag(takes_context=True)
def querystring(context: template.Context, *mappings, **changes) -> str:
    """Django 6's ``{% querystring %}``: a query string starting with ``?``.

    Positional arguments are mappings merged left to right (default:
    ``request.GET``); keyword arguments then set a key, replace a repeatable
    key with a list, or remove it when the value is ``None``.
    """
    params = _start(context, mappings)
    _apply(params, changes.items())
    return _encode(params)


@register.simple_tag(takes_context=True)
def refine(context: template.Context, *mappings, **changes) -> str:
    """``querystring`` for a filter change: also goes back to the first page."""
    params = _start(context, mappings)
    _apply(params, changes.items())
    params.pop(PAGE_KEY, None)
    return _encode(params)


@register.simple_tag(takes_context=True)
def toggle(context: template.Context, key: str, value: object, *mappings) -> str:
    """Add ``value`` to the repeatable ``key``, or remove it if present."""
    params = _start(context, mappings)
    value = str(value)
    values = _values(params, key)
    if value in values:
        values = [v for v in values if v != value]
    else:
        values.append(value)
    _set(params, key, values)
    return _encode(params)


@register.simple_tag(takes_context=True)
def without(context: template.Context, key: str, value: object, *mappings) -> str:
    """Remove one value of ``key`` (a chip's link); other values stay."""
    params = _start(context, mappings)
    _set(params, key, [v for v in _values(params, key) if v != str(value)])
    return _encode(params)


def _set(params: QueryDict, key: str, values: list[str]) -> None:
    if values:
        params.setlist(key, values)
    else:
        params.pop(key, None)
    params.pop(PAGE_KEY, None)


@register.filter
def vn_number(value: object) -> str:
    """12345 → "12.345": Vietnamese groups thousands with dots."""
    try:
        number = int(value)
    except (TypeError, ValueError):
        return "" if value is None else str(value)
    return f"{number:,}".replace(",", ".")


@register.simple_tag
def facet_values(name: str, values: Iterable) -> SafeString:
    """The checkboxes of one facet's values (``FacetValue``), as list items.

    Built here rather than with an included template: a page has about
    ninety of them, and including a template for each was a third of the
    search page's time at 100,000 articles. Every value is escaped.
    """
    return mark_safe("\n".join(_facet_item(escape(name), v) for v in values))


def _facet_item(name: str, value) -> str:
    slug, label = escape(str(value.value)), escape(str(value.label))
    empty = " is-empty" if not value.count and not value.selected else ""
    checked = " checked" if value.selected else ""
    unit = ""
    if value.extra and value.extra != value.label:
        unit = f' <span class="unit">→ {escape(str(value.extra))}</span>'
    return (
        f'<li class="facet__value{empty}">\n'
        f'  <input type="checkbox" id="f-{name}-{slug}" name="{name}" value="{slug}"{checked}>\n'
        f'  <label for="f-{name}-{slug}"><span class="facet__label">{label}{unit}</span> '
        f'<span class="count">{vn_number(value.count)}'
        '<span class="visually-hidden"> bài</span></span></label>\n'
        "</li>"
    )


@register.filter
def iso_date(article: Article) -> str:
    """A ``<time datetime>`` value at the precision of the article's date."""
    return structured_data.iso_date(article) or ""
