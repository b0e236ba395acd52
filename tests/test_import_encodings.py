"""The same article in every encoding the archive receives reads the same."""

from __future__ import annotations

import codecs
import unicodedata

import pytest

from articles.importer.errors import UndecodableFile
from articles.importer.pipeline import import_paths
from articles.importer.reading import decode_bytes
from articles.models import Article

pytestmark = pytest.mark.django_db

TITLE = "Đắk Nông: Tổng kết ngành Thông tin và Truyền thông, triển khai nhiệm vụ năm 2010"
PARAGRAPHS = [
    "Sáng ngày 04/02/2010, Sở Thông tin và Truyền thông tỉnh Đắk Nông đã tổ chức hội nghị "
    "tổng kết công tác năm 2009 với sự tham dự của các doanh nghiệp bưu chính, viễn thông.",
    "Về công nghệ thông tin: Sở đã trình Ủy ban nhân dân tỉnh phê duyệt dự án xây dựng "
    "Cổng thông tin điện tử và triển khai phần mềm quản lý văn bản, thư điện tử.",
    "Về báo chí - xuất bản: tăng cường quản lý nhà nước, duy trì giao ban báo chí hàng quý; "
    "ứng dụng mã nguồn mở, đảm bảo an toàn, an ninh mạng bưu chính, viễn thông.",
]
TEXT = "\n\n".join([TITLE, *PARAGRAPHS, "Nguyễn Phượng"]) + "\n"
BODY = "\n\n".join(PARAGRAPHS)

# Windows-1258 holds â ă ê ô ơ ư đ precomposed and the five tones as combining marks.
_VOWEL_MARKS = {"\u0302", "\u0306", "\u031b"}


def cp1258_bytes(text: str) -> bytes:
    """``text`` as a Vietnamese Windows-1258 file stores it."""
    letters: list[list[str]] = []  # [base letter with its vowel mark, tone marks]
    for char in unicodedata.normalize("NFD", text):
        if not unicodedata.combining(char):
            letters.append([char, ""])
        elif char in _VOWEL_MARKS:
            letters[-1][0] = unicodedata.normalize("NFC", letters[-1][0] + char)
        else:
            letters[-1][1] += char
    return "".join(base + tones for base, tones in letters).encode("cp1258")


VARIANTS: dict[str, bytes] = {
    "utf8.txt": TEXT.encode("utf-8"),
    "utf8-bom.txt": codecs.BOM_UTF8 + TEXT.encode("utf-8"),
    "utf16le-bom.txt": codecs.BOM_UTF16_LE + TEXT.encode("utf-16-le"),
    "utf16be-bom.txt": codecs.BOM_UTF16_BE + TEXT.encode("utf-16-be"),
    "windows-1258.txt": cp1258_bytes(TEXT),
    "utf8-nfd.txt": unicodedata.normalize("NFD", TEXT).encode("utf-8"),
    "utf8-crlf.txt": TEXT.replace("\n", "\r\n").encode("utf-8"),
}


def test_the_windows_1258_sample_really_is_windows_1258():
    raw = VARIANTS["windows-1258.txt"]
    with pytest.raises(UnicodeDecodeError):
        raw.decode("utf-8")
    assert unicodedata.normalize("NFC", raw.decode("cp1258")) == TEXT
    assert "\u0301" in raw.decode("cp1258")  # tones are combining marks in this code page


@pytest.mark.parametrize(
    ("name", "encoding"),
    [
        ("utf8.txt", "utf-8"),
        ("utf8-bom.txt", "utf-8"),
        ("utf16le-bom.txt", "utf-16-le"),
        ("utf16be-bom.txt", "utf-16-be"),
        ("windows-1258.txt", "cp1258"),
    ],
)
def test_encoding_is_detected(name, encoding):
    decoded = decode_bytes(VARIANTS[name])
    assert decoded.encoding == encoding
    assert unicodedata.normalize("NFC", decoded.text) == TEXT
    assert not decoded.text.startswith("\ufeff")


def test_latin_text_that_is_not_utf8_is_not_taken_for_vietnamese():
    with pytest.raises(UndecodableFile):
        decode_bytes("Résumé: café, crème brûlée, à la carte — naïve façade.".encode("cp1252"))


def test_every_encoding_imports_to_the_same_nfc_article(tmp_path):
    for name, raw in VARIANTS.items():
        (tmp_path / name).write_bytes(raw)

    report = import_paths([tmp_path], update_index=False)

    assert report.skipped == []
    assert report.imported == len(VARIANTS)
    articles = list(Article.objects.order_by("pk"))
    for article in articles:
        assert article.title == TITLE, article.source_file
        assert article.body == BODY, article.source_file
        assert unicodedata.is_normalized("NFC", article.title + article.body)
        assert article.province.name == "Đắk Nông"
        assert article.byline == "Nguyễn Phượng"
        assert article.date.isoformat() == "2010-02-04"
    # Same words, so the same content fingerprint: later copies point at the first.
    first, *others = articles
    assert {a.fingerprint for a in articles} == {first.fingerprint}
    assert all(a.possible_duplicate_of == first for a in others)
