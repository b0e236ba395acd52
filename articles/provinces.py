"""Recognizing provinces in what a reader types, whatever the spelling.

Uses the importer's matcher over the Province table (so variants added in
the admin count), without the importer's demand for capitals: "bac ninh",
"Đăk Nông" and "tphcm" are all recognized.
"""

from __future__ import annotations

from dataclasses import dataclass

from articles.analysis import analyze
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


@dataclass(frozen=True)
class PlaceName:
    """A province as a query names it: every spelling's folded syllables, the
    token the search document files it under (``metadata_token``) and the
    token of the articles filed under it as today's unit (``unit_token``)."""

    province: str
    spellings: tuple[tuple[str, ...], ...]
    token: str
    unit: str


def folded_syllables(name: str) -> tuple[str, ...]:
    return tuple(analyze(name, use_segmenter=False).folded)


def metadata_token(name: str) -> str:
    """One token for a whole name ("thua_thien_hue"), as the document's metadata holds it."""
    return "_".join(folded_syllables(name))


def unit_token(name: str) -> str:
    """The token of every article whose province is, since 2025, part of ``name``
    ("tay_ninh_2025" for Tây Ninh's and Long An's): a query never produces it."""
    return f"{metadata_token(name)}_2025"


def _load_places() -> dict[tuple[str, ...], PlaceName]:
    from articles.models import Province

    places: dict[tuple[str, ...], PlaceName] = {}
    for province in Province.objects.all():
        spellings = tuple(
            dict.fromkeys(
                folded_syllables(name)
                for name in (province.name, *province.variants)
                if len(folded_syllables(name)) >= 2
            )
        )
        place = PlaceName(
            province.name, spellings, metadata_token(province.name), unit_token(province.name)
        )
        for spelling in spellings:
            places.setdefault(spelling, place)
    return places


_places = ProcessCache(_load_places)


def places_by_syllables() -> dict[tuple[str, ...], PlaceName]:
    """Folded syllables of every spelling of two syllables or more -> the province."""
    return _places.get()


def forget() -> None:
    _matcher.forget()
    _places.forget()
