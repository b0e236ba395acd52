"""Recognizing provinces in what a reader types, whatever the spelling.

Uses the importer's matcher over the Province table (so variants added in
the admin count), without the importer's demand for capitals: "bac ninh",
"Đăk Nông" and "tphcm" are all recognized.
"""

from __future__ import annotations

import time

from articles.importer.provinces import ProvinceMatcher, ProvinceName

_CACHE: dict[str, object] = {"matcher": None, "loaded": 0.0}
TTL = 30.0


def query_matcher() -> ProvinceMatcher:
    from articles.models import Province

    now = time.monotonic()
    matcher = _CACHE["matcher"]
    if matcher is None or now - _CACHE["loaded"] > TTL:
        names = [ProvinceName(p.name, tuple(p.variants)) for p in Province.objects.all()]
        matcher = ProvinceMatcher(names, proper_nouns_only=False)
        _CACHE.update(matcher=matcher, loaded=now)
    return matcher  # type: ignore[return-value]


def find_provinces(text: str) -> list[str]:
    """Canonical province names mentioned in ``text``, in order of appearance."""
    found: list[str] = []
    for mention in query_matcher().mentions(text):
        if mention.province not in found:
            found.append(mention.province)
    return found


def forget() -> None:
    _CACHE.update(matcher=None, loaded=0.0)
