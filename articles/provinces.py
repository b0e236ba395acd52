"""Recognizing provinces in text, whatever the spelling.

Names and variants come from the Province table (editable in the admin);
matching is on folded text at word boundaries, longest name first, so
"Đăk Nông", "Đak Nông" and "dak nong" all find Đắk Nông.
"""

from __future__ import annotations

import re
import time

from articles.text import fold, normalize

_CACHE: dict[str, object] = {"pattern": None, "names": None, "loaded": 0.0}
TTL = 30.0


def _load() -> tuple[re.Pattern, dict[str, str]]:
    from articles.models import Province

    now = time.monotonic()
    if _CACHE["pattern"] is not None and now - _CACHE["loaded"] < TTL:
        return _CACHE["pattern"], _CACHE["names"]  # type: ignore[return-value]
    names: dict[str, str] = {}
    for province in Province.objects.all():
        for spelling in [province.name, *province.variants]:
            key = _key(spelling)
            if key:
                names.setdefault(key, province.name)
    alternation = "|".join(re.escape(k) for k in sorted(names, key=len, reverse=True))
    pattern = re.compile(rf"(?<!\w)(?:{alternation})(?!\w)")
    _CACHE.update(pattern=pattern, names=names, loaded=now)
    return pattern, names


def _key(text: str) -> str:
    # Spaces and hyphens vary ("Bà Rịa-Vũng Tàu", "Thừa Thiên - Huế").
    return re.sub(r"\s*[-–]\s*", " - ", " ".join(fold(normalize(text)).split()))


def find_provinces(text: str) -> list[str]:
    """Canonical province names mentioned in ``text``, in order of appearance."""
    pattern, names = _load()
    found: list[str] = []
    for match in pattern.finditer(_key(text)):
        name = names[match.group(0)]
        if name not in found:
            found.append(name)
    return found


def forget() -> None:
    _CACHE.update(pattern=None, names=None, loaded=0.0)
