"""Template helpers for the reader pages: query-string links, dates, numbers.

Every link that changes the state of a results page (facets, chips, sorting,
paging) is built here from a ``QueryDict``, so a page's whole state lives in
its URL and nothing concatenates query strings by hand.
"""

from __future__ import annotations

from collections.abc import Iterable, Mapping

from django import template
from django.http import QueryDict

from articles import structured_data
from articles.models import Article

register = template.Library()

# Changing what is selected starts again from the first page.
PAGE_KEY = "page"


def _start(context: template.Context, mappings: tuple) -> QueryDict:
    if not mappings:
        request = context.get("request")
        mappings = (request.GET,) if request is not None else ()
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


@register.filter
def iso_date(article: Article) -> str:
    """A ``<time datetime>`` value at the precision of the article's date."""
    return structured_data.iso_date(article) or ""
