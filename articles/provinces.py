"""Recognizing provinces in what a reader types, whatever the spelling.

Uses the importer's matcher over the Province table (so variants added in
the admin count), without the importer's demand for capitals: "bac ninh",
"Đăk Nông" and "tphcm" are all recognized.
"""

from __future__ import annotations

from articles.caching import ProcessCache
from articles.importer.provinces import ProvinceMatcher, ProvinceName


def _load_matcher() -> ProvinceMatcher:
    from articles.models import Province

    names = [ProvinceName(p.name, tuple(p.variants)) for p in Province.objects.all()]
    return ProvinceMatcher(names, proper_nouns_only=False)


_matcher = ProcessCache(_load_matcher)


def query_matcher() -> ProvinceMatcher:
    return _matcher.get()


def find_provinces(text: str) -> list[str]:
    """Canonical province names mentioned in ``text``, in order of appearance."""
    found: list[str] = []
    for mention in query_matcher().mentions(text):
        if mention.province not in found:
            found.append(mention.province)
    return found


def forget() -> None:
    _matcher.forget()
