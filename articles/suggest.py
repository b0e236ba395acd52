"""Completions for the search box and the browser's search bar (OpenSearch).

Readers type without diacritics, so matching is on folded text: "bac g"
offers "Bắc Giang", "chuyen" offers titles with a word starting "chuyển".
Provinces come first (name or a known variant starting with the prefix),
then the titles of the newest published articles containing the prefix at a
word start.

Only the newest ``TITLE_SCAN`` titles are scanned. They are folded once and
kept for ``TITLE_TTL`` seconds, so that a keystroke costs a few milliseconds
even with a hundred thousand articles. A save in this process drops the
cache at once; other processes see the change within the TTL (bulk writes
send no signals, so the TTL is what bounds staleness for them too).
"""

from __future__ import annotations

import re
import threading
import time
from dataclasses import dataclass

from django.db.models.signals import post_delete, post_save

from articles.models import Article, Province
from articles.text import fold

TITLE_SCAN = 5000
TITLE_TTL = 60.0
MAX_PREFIX = 100

_NON_WORD = re.compile(r"[\W_]+")


def match_form(text: str) -> str:
    """Folded, punctuation as single spaces, with a leading space so that
    ``" " + prefix in form`` means "a word starts with prefix"."""
    return " " + " ".join(_NON_WORD.sub(" ", fold(text)).split())


@dataclass
class _Cached:
    loaded: float
    items: list


_lock = threading.Lock()
_cache: dict[str, _Cached] = {}


def _cached(key: str, load) -> list:
    now = time.monotonic()
    entry = _cache.get(key)
    if entry is not None and now - entry.loaded < TITLE_TTL:
        return entry.items
    items = load()
    with _lock:
        _cache[key] = _Cached(now, items)
    return items


def _load_titles() -> list[tuple[str, str]]:
    """(match form, title) of the newest published articles, newest first."""
    titles = Article.objects.published().newest_first().values_list("title", flat=True)
    return [(match_form(title), title) for title in titles[:TITLE_SCAN]]


def _load_provinces() -> list[tuple[list[str], str]]:
    """(match forms of the name and its variants, name) of every province."""
    return [
        ([match_form(p.name), *(match_form(v) for v in p.variants)], p.name)
        for p in Province.objects.all()
    ]


def forget(**kwargs) -> None:
    """Drop the cached titles and provinces (connected to saves and deletes)."""
    with _lock:
        _cache.clear()


for _model in (Article, Province):
    post_save.connect(forget, sender=_model, dispatch_uid=f"suggest-forget-save-{_model.__name__}")
    post_delete.connect(forget, sender=_model, dispatch_uid=f"suggest-forget-del-{_model.__name__}")


def _province_suggestions(needle: str) -> list[str]:
    starts, inside = [], []
    for forms, name in _cached("provinces", _load_provinces):
        if any(form.startswith(needle) for form in forms):
            starts.append(name)
        elif any(needle in form for form in forms):
            inside.append(name)  # "giang" → Bắc Giang, Hà Giang ...
    return starts + inside


def suggestions(prefix: str, limit: int = 10) -> list[str]:
    """Up to ``limit`` completions for ``prefix``: provinces, then titles."""
    needle = match_form(str(prefix)[:MAX_PREFIX])
    if needle == " " or limit <= 0:
        return []
    found: list[str] = []
    for name in _province_suggestions(needle):
        if name not in found:
            found.append(name)
    for form, title in _cached("titles", _load_titles):
        if len(found) >= limit:
            break
        if needle in form and title not in found:
            found.append(title)
    return found[:limit]
