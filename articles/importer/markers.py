"""Source markers that open a lead: ``(Mic.gov.vn) -``, ``(BDO) -``,
``TTXVN -``, ``VTV.vn -``, ``(THTG)``, ``BNEWS``.

They name the outlet, not the story's subject; the importer takes the
Ministry's marker off the body (it sets the source) and reads the others as
a hint of the province whose newspaper printed the article.
"""

from __future__ import annotations

import re

# "(BDO) - ", "(Baonghean.vn) - ", "(THTG) ": parenthesised, a dash optional.
_PARENTHESISED = re.compile(r"^\(\s*([^()]{2,30}?)\s*\)\s*[-–—:]?\s*")
# "TTXVN - ", "VTV.vn - ", "ĐBP - ", "Vietnet24h - ": a short name and a dash.
_DASHED = re.compile(r"^([A-ZĐ][A-Za-zĐđ0-9.]{1,24})\s*[-–—]\s+")
# "BNEWS Ngày 30/8": a name in capitals run into the lead.
_CAPITALS = re.compile(r"^([A-ZĐ]{3,8})\s+(?=[A-ZĐÀ-Ỹ])")
_KNOWN_BARE = {"BNEWS", "TTXVN", "VOV", "VTV", "TTO", "VNA"}
_MIC = re.compile(r"^mic\.gov\.vn$", re.IGNORECASE)


def split_source_marker(line: str) -> tuple[str, str]:
    """``(marker, rest)``; the marker is "" when the line does not open with one."""
    for pattern in (_PARENTHESISED, _DASHED):
        match = pattern.match(line)
        if match and not _looks_like_words(match.group(1)):
            return match.group(1).strip(), line[match.end() :].strip()
    match = _CAPITALS.match(line)
    if match and match.group(1) in _KNOWN_BARE:
        return match.group(1), line[match.end() :].strip()
    return "", line


def _looks_like_words(marker: str) -> bool:
    # "(trái)", "(ảnh minh họa)", "(Sơn Hà)": ordinary words, not an outlet.
    return " " in marker.strip() or (marker.islower() and "." not in marker)


def is_ministry(marker: str) -> bool:
    return bool(_MIC.match(marker.strip()))
