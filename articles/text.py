"""Vietnamese text normalization shared by import, slugs and search.

Kept free of pyvi and Django so that it is cheap to import anywhere. The
word segmentation built on top of it lives in ``articles.analysis``.
"""

from __future__ import annotations

import re
import unicodedata
from functools import lru_cache

# Look-alike letters that appear in scraped text in place of Đ/đ.
_LOOKALIKES = str.maketrans({"\u00d0": "\u0110", "\u00f0": "\u0111", "\u0189": "\u0110"})
# A search in C first: translating every line char by char was a tenth of an import.
_HAS_LOOKALIKE_RE = re.compile("[\u00d0\u00f0\u0189]")

# Old-style tone placement on the closing vowel of oa/oe/uy at the end of a
# syllable (hoá, khoẻ, uỷ) moved to the canonical one (hóa, khỏe, ủy).
_TONE_MOVES = {
    "oá": "óa",
    "oà": "òa",
    "oả": "ỏa",
    "oã": "õa",
    "oạ": "ọa",
    "oé": "óe",
    "oè": "òe",
    "oẻ": "ỏe",
    "oẽ": "õe",
    "oẹ": "ọe",
    "uý": "úy",
    "uỳ": "ùy",
    "uỷ": "ủy",
    "uỹ": "ũy",
    "uỵ": "ụy",
}
# The pair ends a syllable and does not follow q ("quý" keeps its mark on y).
# Starting with a character class, not IGNORECASE alternatives: the engine
# then skips to the next o or u (ten times faster over an import).
_TONE_RE = re.compile(
    r"[oOuU](?<![qQ].)(?:(?<=[oO])[áàảãạéèẻẽẹÁÀẢÃẠÉÈẺẼẸ]|(?<=[uU])[ýỳỷỹỵÝỲỶỸỴ])(?!\w)"
)

# kĩ/kỹ, lí/lý, mĩ/mỹ, quí/quý, tỉ/tỷ: whole syllables only, canonical y.
_IY = {"í": "ý", "ì": "ỳ", "ỉ": "ỷ", "ĩ": "ỹ", "ị": "ỵ"}
# The vowel first: the engine skips to it, then looks back for the consonant.
_IY_RE = re.compile(r"[íìỉĩịÍÌỈĨỊ](?:(?<=\b[kKlLmMtT].)|(?<=\b[qQ][uU].))(?!\w)")


def _move_tone(match: re.Match) -> str:
    pair = match.group(0)
    replacement = _TONE_MOVES[pair.lower()]
    if pair[0].isupper():
        replacement = replacement[0].upper() + replacement[1:]
    if pair[1].isupper():
        replacement = replacement[0] + replacement[1].upper()
    return replacement


def _iy(match: re.Match) -> str:
    vowel = match.group(0)
    new = _IY[vowel.lower()]
    return new.upper() if vowel.isupper() else new


def normalize(text: str) -> str:
    """NFC, look-alike letters fixed, one tone placement, one i/y spelling."""
    text = unicodedata.normalize("NFC", text)
    if _HAS_LOOKALIKE_RE.search(text):
        text = text.translate(_LOOKALIKES)
    text = _TONE_RE.sub(_move_tone, text)
    return _IY_RE.sub(_iy, text)


def _unaccent_table() -> dict[int, str]:
    # Every precomposed Latin letter maps to its base letter, so folding NFC
    # text is one C-level translate that keeps every offset (highlighting
    # relies on that) instead of a Python loop over decomposed characters.
    table = {ord("đ"): "d", ord("Đ"): "D", 0x00D0: "D", 0x00F0: "d", 0x0189: "D"}
    for code in range(0x00C0, 0x2000):
        char = chr(code)
        base = "".join(
            c for c in unicodedata.normalize("NFD", char) if not unicodedata.combining(c)
        )
        if base != char and len(base) == 1:
            table[code] = base
    return table


_UNACCENT = _unaccent_table()
_COMBINING_RE = re.compile(r"[\u0300-\u036f]")


def unaccent(text: str) -> str:
    """Strip every diacritic, keeping case: "Đắk Nông" -> "Dak Nong"."""
    text = unicodedata.normalize("NFC", text).translate(_UNACCENT)
    # Marks NFC could not compose onto their letter are dropped as well.
    return _COMBINING_RE.sub("", text) if not text.isascii() else text


@lru_cache(maxsize=16)  # a page's text is looked at by several matchers in turn
def unaccent_aligned(text: str) -> str:
    """Diacritics off letter for letter, case kept: on NFC text every offset
    stays that of ``text`` (marks NFC could not compose are kept)."""
    return text.translate(_UNACCENT)


def accented_letters() -> dict[str, set[str]]:
    """Base letter -> the precomposed letters (either case) that fold to it."""
    letters: dict[str, set[str]] = {}
    for code, base in _UNACCENT.items():
        letters.setdefault(base.lower(), set()).add(chr(code))
    return letters


def has_combining_marks(text: str) -> bool:
    return _COMBINING_RE.search(text) is not None


def fold(text: str) -> str:
    """Lowercase, no diacritics: the form readers type without a Vietnamese keyboard."""
    return unaccent(text).lower()


def has_diacritics(text: str) -> bool:
    return fold(text) != text.lower()


# Code points XML 1.0 cannot carry (C0 controls but tab and line breaks,
# lone surrogates, U+FFFE/U+FFFF): one in a title makes a feed unreadable.
_NOT_XML_RE = re.compile("[\x00-\x08\x0b\x0c\x0e-\x1f\ud800-\udfff\ufffe\uffff]")


def xml_safe(text: str) -> str:
    """``text`` without the characters that XML (hence RSS, Atom, sitemaps) forbids."""
    return _NOT_XML_RE.sub("", text)


def collapse_spaces(text: str) -> str:
    return " ".join(text.split())
