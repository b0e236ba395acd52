"""Find the province an article is about, whatever spelling the text uses.

Names are matched without regard to diacritics (Đắk/Đăk/Đak/Dak Nông are
one province) but as proper nouns: each word of the match must be
capitalised in the text, so "hòa bình" (peace) is not Hòa Bình.
"""

from __future__ import annotations

import json
import re
import unicodedata
from collections.abc import Iterable
from dataclasses import dataclass
from functools import cache
from pathlib import Path

from articles.importer.phrases import phrase_trie
from articles.text import unaccent, unaccent_aligned

PROVINCES_JSON = Path(__file__).resolve().parent.parent / "data" / "provinces.json"
DISTRICTS_JSON = Path(__file__).resolve().parent.parent / "data" / "districts.json"

# Mentions right after these words name the article's own province.
_DEPARTMENT_RE = re.compile(
    r"(?:\bSo\s+(?:TT\s*(?:&|va)\s*TT|TT-TT|TTTT|Thong tin\s*(?:va|&|-|–)\s*Truyen thong|"
    r"BCVT|BC-VT|Buu chinh,?\s*-?\s*Vien thong|KH\s*&\s*CN|Khoa hoc (?:va|&) Cong nghe)|"
    r"\bUBND|\bUy ban nhan dan)"
    r"\s+(?:tinh|thanh pho|TP\.?)?\s*$",
    re.IGNORECASE,
)
_LOCAL_RE = re.compile(r"(?:\btinh|\bthanh pho|\bTP\.?)\s*$", re.IGNORECASE)
# "tại Hà Nội", "ở thành phố Đà Nẵng": where a meeting was held, not whose news it is.
_VENUE_RE = re.compile(
    r"(?:\b(?:tai|o)\s+(?:tinh|thanh pho|TP\.?|thu do)?|"
    # a street address: "tại trụ sở 18 Nguyễn Du – Hà Nội"
    r"\b\d+[A-Z]?\s+(?:[A-Z]\w*\s+){1,3}[-–,]\s*)\s*$",
    re.IGNORECASE,
)
# "Báo Nam Định", "Đài PT-TH Bình Định": the province's own press.
_PRESS_RE = re.compile(
    r"\b(?:Bao|Dai (?:Phat thanh(?: va|\s*-)? Truyen hinh|PT\s*-?\s*TH)|Truyen hinh)\s*$"
)
# "Chủ tịch Hồ Chí Minh", "tư tưởng Hồ Chí Minh" are the man, not the city.
_PERSON_RE = re.compile(
    r"(?:chu tich|bac|tu tuong|dao duc|tam guong|phong cach|lang|lanh tu|tncs|"
    r"thanh nien cong san|cong san)\s*$",
    re.IGNORECASE,
)
_AMBIGUOUS_PERSON = {"Hồ Chí Minh", "Ho Chi Minh"}
_LOOKBACK = 60
_GENERIC_WORDS = {"thanh", "pho", "tp", "thu", "do", "tinh"}
_SEPARATORS = r"[ \t.\-–]+"

DEPARTMENT_WEIGHT = 5
LOCAL_WEIGHT = 3
MENTION_WEIGHT = 1
VENUE_WEIGHT = 0


@dataclass(frozen=True)
class ProvinceName:
    name: str
    variants: tuple[str, ...] = ()


@dataclass(frozen=True)
class Mention:
    province: str
    start: int
    weight: int


class ProvinceMatcher:
    """Finds province mentions; ``proper_nouns_only=False`` for typed queries
    ("bac ninh"), where capitals cannot be expected."""

    def __init__(self, provinces: Iterable[ProvinceName], proper_nouns_only: bool = True) -> None:
        self.proper_nouns_only = proper_nouns_only
        # compact spelling (no accents, case, spaces, dots or dashes) -> (province, spelling)
        self._spellings: dict[str, tuple[str, str]] = {}
        self.names: dict[str, list[str]] = {}
        self._loose: ProvinceMatcher | None = None
        spellings: set[str] = set()
        for province in provinces:
            self.names[province.name] = list(province.variants)
            for spelling in (province.name, *province.variants):
                plain = unaccent(spelling).lower()
                self._spellings.setdefault(_compact(plain), (province.name, spelling))
                spellings.add(plain)
        # "Thừa Thiên Huế" wins over "Huế": the trie prefers the longer name.
        names = phrase_trie((_words(plain) for plain in spellings), _SEPARATORS)
        self._regex = re.compile(rf"(?<!\w)(?:{names})(?!\w)", re.IGNORECASE)

    def loose(self) -> ProvinceMatcher:
        """The same names without the demand for capitals (an address's slug)."""
        if not self.proper_nouns_only:
            return self
        if self._loose is None:
            names = [ProvinceName(name, tuple(v)) for name, v in self.names.items()]
            self._loose = ProvinceMatcher(names, proper_nouns_only=False)
        return self._loose

    def mentions(self, text: str) -> list[Mention]:
        """Every province mention in ``text``, in order, with its weight."""
        text = unicodedata.normalize("NFC", text)
        plain = unaccent_aligned(text)  # same length, same offsets
        found: list[Mention] = []
        for match in self._regex.finditer(plain):
            if self.proper_nouns_only and not _is_proper_noun(text[match.start() : match.end()]):
                continue
            province, spelling = self._spellings[_compact(match.group(0).lower())]
            before = plain[max(0, match.start() - _LOOKBACK) : match.start()]
            if spelling in _AMBIGUOUS_PERSON and _PERSON_RE.search(before):
                continue
            found.append(Mention(province, match.start(), _weight(before)))
        return found

    def first_in(self, text: str) -> str | None:
        found = self.mentions(text)
        return found[0].province if found else None

    def best_in(self, text: str) -> tuple[str | None, bool]:
        """The province the text is about, and whether that is clear-cut.

        A mention as "Sở TT&TT X" or "tỉnh X" counts for more than one in
        passing; ties go to the earliest mentioned.
        """
        scores: dict[str, int] = {}
        first_seen: dict[str, int] = {}
        for mention in self.mentions(text):
            scores[mention.province] = scores.get(mention.province, 0) + mention.weight
            first_seen.setdefault(mention.province, mention.start)
        if not scores:
            return None, False
        ranked = sorted(scores, key=lambda p: (-scores[p], first_seen[p]))
        best = ranked[0]
        clear = len(ranked) == 1 or scores[best] >= 2 * scores[ranked[1]]
        return best, clear


def _words(plain: str) -> list[str]:
    # "TP.HCM", "TP. HCM", "Bà Rịa-Vũng Tàu", "Bà Rịa - Vũng Tàu": separators vary.
    return [chunk for chunk in re.split(r"[\s.\-–]+", plain) if chunk]


def _compact(plain: str) -> str:
    return re.sub(r"[\s.\-–]+", "", plain)


@cache
def _is_proper_noun(original: str) -> bool:
    # "thành phố Hồ Chí Minh": the generic words may be lowercase, the name may not.
    name_words = [
        w
        for w in re.split(r"[\s.\-–]+", original)
        if w and w[0].isalpha() and unaccent(w).lower() not in _GENERIC_WORDS
    ]
    return bool(name_words) and all(w[0].isupper() for w in name_words)


def _weight(before: str) -> int:
    if _DEPARTMENT_RE.search(before):
        return DEPARTMENT_WEIGHT
    if _VENUE_RE.search(before):
        return VENUE_WEIGHT
    if _LOCAL_RE.search(before) or _PRESS_RE.search(before):
        return LOCAL_WEIGHT
    return MENTION_WEIGHT


@cache
def reference_provinces() -> tuple[ProvinceName, ...]:
    """The provinces shipped with the project (articles/data/provinces.json)."""
    rows = json.loads(PROVINCES_JSON.read_text(encoding="utf-8"))
    return tuple(ProvinceName(row["name"], tuple(row.get("variants", ()))) for row in rows)


@cache
def default_matcher() -> ProvinceMatcher:
    return ProvinceMatcher(reference_provinces())


class DistrictMatcher:
    """Districts named as such ("huyện Sơn Hà", "quận Lê Chân", "TP. Tam Kỳ",
    "xã Sơn Kỳ (Sơn Hà)"): each points to its province, as "tỉnh X" does.

    Only names that belong to a single province are listed (Châu Thành,
    found in six provinces, is not).
    """

    _TYPES = r"(?:huyen|quan|thi xa|thanh pho|tp\.?)"

    def __init__(self, districts: dict[str, Iterable[str]]) -> None:
        self._province: dict[str, str] = {}
        for province, names in districts.items():
            for name in names:
                self._province[_compact(unaccent(name).lower())] = province
        names = {unaccent(n).lower() for ns in districts.values() for n in ns}
        alternatives = phrase_trie((_words(n) for n in names), _SEPARATORS)
        self._regex = re.compile(
            rf"(?<!\w)(?:{self._TYPES}\s+(?P<a>{alternatives})|\((?P<b>{alternatives})\))(?!\w)",
            re.IGNORECASE,
        )

    def mentions(self, text: str) -> list[Mention]:
        text = unicodedata.normalize("NFC", text)
        plain = unaccent_aligned(text)
        found = []
        for match in self._regex.finditer(plain):
            group = "a" if match.group("a") else "b"
            start, end = match.span(group)
            if not _is_proper_noun(text[start:end]):
                continue
            province = self._province[_compact(match.group(group).lower())]
            found.append(Mention(province, start, LOCAL_WEIGHT))
        return found


@cache
def default_districts() -> DistrictMatcher:
    rows = json.loads(DISTRICTS_JSON.read_text(encoding="utf-8"))["districts"]
    return DistrictMatcher(rows)
