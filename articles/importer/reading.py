"""Turn a file's bytes into text, or say in one line why not.

The scraped articles arrive as UTF-8 (with or without a BOM), UTF-16 with a
BOM, or Windows-1258, the legacy Vietnamese code page. Anything else is
refused with a reason rather than imported as mojibake.
"""

from __future__ import annotations

import codecs
import re
import unicodedata
from dataclasses import dataclass
from pathlib import Path

from django.conf import settings

from articles.importer.errors import BinaryFile, EmptyFile, FileTooLarge, UndecodableFile

DEFAULT_MAX_BYTES = 5 * 1024 * 1024

# Longest BOM first: the UTF-32 LE BOM starts with the UTF-16 LE one.
_BOMS: tuple[tuple[bytes, str], ...] = (
    (codecs.BOM_UTF32_LE, "utf-32-le"),
    (codecs.BOM_UTF32_BE, "utf-32-be"),
    (codecs.BOM_UTF8, "utf-8"),
    (codecs.BOM_UTF16_LE, "utf-16-le"),
    (codecs.BOM_UTF16_BE, "utf-16-be"),
)

# Letters and combining tone marks that only Vietnamese text produces in
# cp1258: base vowels with circumflex, breve or horn, đ, and the five tones.
_VIETNAMESE_MARKS = set("ăâêôơưđĂÂÊÔƠƯĐ\u0300\u0301\u0303\u0309\u0323")
# Control characters (Unicode category Cc) but tab, line and page breaks.
_CONTROLS_RE = re.compile("[\x00-\x08\x0e-\x1f\x7f-\x9f]")
_MAX_CONTROL_RATIO = 0.01
_STRAY_CONTROLS = 4


@dataclass(frozen=True)
class DecodedFile:
    text: str
    raw: bytes
    encoding: str


def max_import_bytes() -> int:
    return int(getattr(settings, "PORTAL_IMPORT_MAX_BYTES", DEFAULT_MAX_BYTES))


def read_text_file(path: Path, max_bytes: int | None = None) -> DecodedFile:
    """Read and decode ``path``; raise an ``UnreadableFile`` subclass if refused."""
    limit = max_import_bytes() if max_bytes is None else max_bytes
    # Check the size before reading so a stray disk image is not loaded whole.
    size = path.stat().st_size
    if size > limit:
        raise FileTooLarge(f"file too large ({_human_size(size)}, limit {_human_size(limit)})")
    with path.open("rb") as handle:
        raw = handle.read(limit + 1)
    if len(raw) > limit:  # grew between stat() and read()
        raise FileTooLarge(f"file too large (over the {_human_size(limit)} limit)")
    return decode_bytes(raw)


def decode_bytes(raw: bytes) -> DecodedFile:
    """Detect the encoding of ``raw`` and decode it (see the module docstring)."""
    if not raw:
        raise EmptyFile("empty file")
    text, encoding = _decode(raw)
    _reject_binary_text(text)
    if not text.strip():
        raise EmptyFile("empty file (only whitespace)")
    return DecodedFile(text=text, raw=raw, encoding=encoding)


def _decode(raw: bytes) -> tuple[str, str]:
    for bom, encoding in _BOMS:
        if raw.startswith(bom):
            try:
                return raw[len(bom) :].decode(encoding), encoding
            except UnicodeDecodeError as exc:
                raise UndecodableFile(
                    f"undecodable text (has a {encoding} byte order mark but byte "
                    f"{exc.start + len(bom)} is invalid)"
                ) from exc
    if b"\x00" in raw:
        utf16 = _utf16_without_bom(raw)
        if utf16 is not None:
            return utf16
        raise BinaryFile("binary file (NUL bytes)")
    try:
        return raw.decode("utf-8"), "utf-8"
    except UnicodeDecodeError as exc:
        utf8_error = exc
    try:
        text = raw.decode("cp1258")
    except UnicodeDecodeError:
        text = None
    if text is not None and _looks_vietnamese(text):
        # cp1258 encodes tones as combining marks; compose them like any other text.
        return unicodedata.normalize("NFC", text), "cp1258"
    raise UndecodableFile(
        "undecodable text (neither UTF-8 nor Windows-1258; "
        f"invalid UTF-8 at byte {utf8_error.start})"
    )


def _utf16_without_bom(raw: bytes) -> tuple[str, str] | None:
    """UTF-16 text saved without a byte order mark, told apart from binary.

    In UTF-16 text of a Latin-script language nearly every other byte is
    NUL (the high byte of ASCII letters and spaces), all on the same side;
    binary data has NULs scattered on both.
    """
    if len(raw) % 2:
        return None
    high_even = raw[0::2].count(0)
    high_odd = raw[1::2].count(0)
    half = len(raw) // 2
    for encoding, zeros, other in (
        ("utf-16-le", high_odd, high_even),
        ("utf-16-be", high_even, high_odd),
    ):
        if zeros >= 0.3 * half and other <= 0.01 * half:
            try:
                text = raw.decode(encoding)
            except UnicodeDecodeError:
                return None
            if not any(0xD800 <= ord(ch) <= 0xDFFF for ch in text):
                return text, encoding
    return None


def _looks_vietnamese(text: str) -> bool:
    non_ascii = [ch for ch in text if ord(ch) > 127]
    if not non_ascii:
        return False
    vietnamese = sum(1 for ch in non_ascii if ch in _VIETNAMESE_MARKS)
    # Tone marks and ơ/ư dominate real Vietnamese; random bytes decoded as
    # cp1258 give mostly symbols and Western accented letters.
    return vietnamese / len(non_ascii) >= 0.5


def _reject_binary_text(text: str) -> None:
    if "\x00" in text:
        raise BinaryFile("binary file (NUL characters)")
    controls = len(_CONTROLS_RE.findall(text))
    # A stray control character or two is damage to drop, not a sign of binary data.
    if controls > _STRAY_CONTROLS and controls / len(text) > _MAX_CONTROL_RATIO:
        raise BinaryFile(f"binary file ({controls} control characters)")


def _human_size(size: int) -> str:
    if size >= 1024 * 1024:
        return f"{size / (1024 * 1024):.1f} MB"
    if size >= 1024:
        return f"{size / 1024:.1f} KB"
    return f"{size} bytes"
