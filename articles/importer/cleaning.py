"""Line-level clean-up of scraped article text: page furniture, markers, repeats.

The scraper kept one paragraph per line and the page's chrome around it:
image placeholders and their captions, the rating widget and the portal's
footer blocks. All of it is recognised here line by line.
"""

from __future__ import annotations

import re
import unicodedata
from functools import lru_cache

from articles.text import collapse_spaces, fold, normalize, xml_safe

# Placeholder lines the scraper left where the page had an image or widget.
_PLACEHOLDERS = {
    "img",
    "image",
    "banner",
    "icon",
    "top",
    "xem chi tiet",
    "xem chi tiet icon",
    "in bai viet",
    "gui bai viet",
    "chia se",
    "quay lai",
    "ve dau trang",
    "len dau trang",
}
_IMAGE_PLACEHOLDERS = {"img", "image", "anh", "hinh anh"}
_RATING_RE = re.compile(r"^danh gia bai viet\s*\(\s*\d*\s*\)$")
# Lines that open the portal's footer: everything after them is chrome.
_FOOTER_STARTS = {
    "banner",
    "cong dich vu cong",
    "cong dich vu cong quoc gia",
    "tin lien quan",
    "cac tin khac",
    "tin khac",
    "bai viet lien quan",
    "tin cung chuyen muc",
}
_FOOTER_MAX_LINE = 120
_PLACEHOLDER_MAX_CHARS = 40
_CAPTION_MAX_CHARS = 200
_MIC_MARKER_RE = re.compile(r"^\(\s*mic\.gov\.vn\s*\)\s*[-–—:]?\s*", re.IGNORECASE)
_BULLET_RE = re.compile(r"^[*•+]\s+|^[-–]\s+(?=\S)")


def clean_line(line: str) -> str:
    """One line as NFC text with ordinary, single spaces and no edge blanks."""
    line = unicodedata.normalize("NFC", xml_safe(line))
    # NBSP and friends come from the HTML; keep them out of titles and bodies.
    return collapse_spaces(line.replace("\u00a0", " ").replace("\u200b", ""))


def text_lines(text: str) -> list[str]:
    """The non-empty lines of ``text``, cleaned; blank lines only separate paragraphs."""
    lines = (clean_line(line) for line in text.splitlines())
    return [line for line in lines if line]


# Pages are read in several passes that compare the same lines again and again.
@lru_cache(maxsize=8192)
def line_key(line: str) -> str:
    """Comparison key: same words, tones and case-insensitive."""
    return collapse_spaces(normalize(line)).lower()


@lru_cache(maxsize=8192)
def _folded(line: str) -> str:
    return collapse_spaces(fold(line)).strip(" .:")


# Interface text of portals and newspapers, whole lines of it: skip links,
# text-size and print buttons, SharePoint's error text, template holes.
_CHROME_RE = re.compile(
    r"^(?:skip (?:to main content|ribbon commands|navigation)|"
    r"cannot retrieve the url specified in the content link property.*|"
    r"(?:xem voi )?co chu\b.*|font size\b.*|mac dinh co chu|a- a a\+|"
    r"\{[a-z_]+\}|gui bai nay|in bai nay|tieng viet \| english|aa?|"
    r"(?:chia se|theo doi) (?:bai viet|tren)\b.*)$"
)


def is_placeholder(line: str) -> bool:
    if len(line) > _PLACEHOLDER_MAX_CHARS * 4:
        return False
    folded = _folded(line)
    if _CHROME_RE.match(folded):
        return True
    if len(line) > _PLACEHOLDER_MAX_CHARS:
        return False
    return folded in _PLACEHOLDERS or bool(_RATING_RE.match(folded))


def is_image_placeholder(line: str) -> bool:
    return len(line) <= _PLACEHOLDER_MAX_CHARS and _folded(line) in _IMAGE_PLACEHOLDERS


def _is_footer_start(line: str) -> bool:
    if len(line) > _PLACEHOLDER_MAX_CHARS:
        return False
    folded = _folded(line)
    return folded in _FOOTER_STARTS or bool(_RATING_RE.match(folded))


def cut_footer(lines: list[str]) -> list[str]:
    """Drop the page footer: from its first marker on, if only short lines follow."""
    for index, line in enumerate(lines):
        if index == 0 or not _is_footer_start(line):
            continue
        if all(len(rest) <= _FOOTER_MAX_LINE for rest in lines[index:]):
            return lines[:index]
    return lines


def drop_furniture(lines: list[str]) -> list[str]:
    """Remove placeholders and the photo caption that follows an image."""
    kept: list[str] = []
    after_image = False
    for line in lines:
        if is_placeholder(line) or is_image_placeholder(line):
            after_image = after_image or is_image_placeholder(line)
            continue
        if after_image and len(line) <= _CAPTION_MAX_CHARS:
            after_image = False
            continue  # the caption under the photo, not a paragraph
        after_image = False
        if _is_photo_credit(line):
            continue
        kept.append(line)
    return kept


def _is_photo_credit(line: str) -> bool:
    return len(line) <= 80 and bool(re.match(r"^\(?(anh|nguon anh)\s*:", _folded(line)))


def split_mic_marker(line: str) -> tuple[bool, str]:
    """``(True, rest)`` when the line opens with the Ministry portal's "(Mic.gov.vn) -"."""
    match = _MIC_MARKER_RE.match(line)
    if not match:
        return False, line
    return True, line[match.end() :].strip()


def bullet_text(line: str) -> str | None:
    """The text of a "* item" list line, or None."""
    match = _BULLET_RE.match(line)
    return line[match.end() :].strip() if match else None


def drop_repeats(lines: list[str], min_words: int = 3) -> list[str]:
    """Keep the first of identical paragraphs (the scraper doubles leads and lists)."""
    seen: set[str] = set()
    kept: list[str] = []
    for line in lines:
        key = line_key(line)
        if len(key.split()) >= min_words:
            if key in seen:
                continue
            seen.add(key)
        kept.append(line)
    return kept


def words(line: str) -> list[str]:
    return re.findall(r"\w+", line_key(line))
