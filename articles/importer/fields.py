"""Which ICT fields an article covers, judged by weighted keyword counts.

One passing mention is not enough ("a field mentioned once in passing is
not a field of the article"): a field is kept when its score reaches
``THRESHOLD``, and a score just under it is reported as uncertain. Matches
in the headline count ``HEADLINE_FACTOR`` times. A review of the sector's
year or quarter ("tổng kết", "sơ kết", "giao ban ngành") lists the whole
remit in a sentence each, so there one sentence is enough.

Names of bodies are not topics: "Sở Bưu chính, Viễn thông" and "Tập đoàn
Bưu chính Viễn thông Việt Nam" say nothing about postal services, so they
are taken out before counting. All keywords are matched by one compiled
expression in one pass over the text.
"""

from __future__ import annotations

import json
import re
from collections.abc import Callable, Iterable, Sequence
from dataclasses import dataclass
from functools import cache
from pathlib import Path

from articles.importer.phrases import phrase_trie
from articles.text import fold, normalize

FIELDS_JSON = Path(__file__).resolve().parent.parent / "data" / "fields.json"

BUU_CHINH = "buu-chinh"
VIEN_THONG = "vien-thong"
CNTT = "cntt"
BAO_CHI = "bao-chi"
FIELD_CODES = (BUU_CHINH, VIEN_THONG, CNTT, BAO_CHI)

THRESHOLD = 4.0
REVIEW_THRESHOLD = 2.0
UNCERTAIN_FROM = 2.0
HEADLINE_FACTOR = 3

# (phrase, weight). Phrases are lowercase in the canonical tone placement of
# articles.text.normalize; ALL-CAPS entries are abbreviations matched by case.
KEYWORDS: dict[str, tuple[tuple[str, float], ...]] = {
    BUU_CHINH: (
        ("bưu chính", 2),
        ("BCVT", 2),
        ("BC-VT", 2),
        ("bưu điện", 1.5),
        ("bưu cục", 2),
        ("bưu tá", 2),
        ("bưu điện văn hóa xã", 2),
        ("BĐVHX", 2),
        ("chuyển phát", 2),
        ("bưu phẩm", 2),
        ("bưu kiện", 2),
        ("tem bưu chính", 1),
        ("bộ tem", 3),
        ("mẫu tem", 2),
        ("phát hành tem", 2),
        ("mã bưu chính", 1),
    ),
    VIEN_THONG: (
        ("viễn thông", 2),
        ("BCVT", 2),
        ("BC-VT", 2),
        ("BTS", 2),
        ("trạm thu phát sóng", 2),
        ("phủ sóng", 2),
        ("vùng lõm sóng", 2),
        ("internet", 1.5),
        ("đại lý internet", 2),
        ("điểm truy nhập internet", 2),
        ("trò chơi điện tử công cộng", 2),
        ("tần số", 2),
        ("VTĐ", 2),
        ("vô tuyến điện", 2),
        ("băng thông rộng", 2),
        ("băng rộng", 2),
        ("ADSL", 2),
        ("cáp quang", 2),
        ("thuê bao", 2),
        ("SIM", 1.5),
        ("di động", 1),
        ("điện thoại", 1),
        ("wifi", 1.5),
        ("2G", 2),
        ("3G", 2),
        ("4G", 2),
        ("5G", 2),
        ("kho số", 2),
        ("tên miền", 1.5),
    ),
    CNTT: (
        ("CNTT", 2),
        ("công nghệ thông tin", 2),
        ("phần mềm", 2),
        ("cơ sở dữ liệu", 2),
        ("dữ liệu số", 2),
        ("văn bản điện tử", 2),
        ("dịch vụ công trực tuyến", 2),
        ("DVCTT", 2),
        ("giải quyết trực tuyến", 2),
        ("hồ sơ trực tuyến", 2),
        ("cổng thông tin điện tử", 2),
        ("trang thông tin điện tử", 2),
        ("chính phủ điện tử", 2),
        ("chính quyền điện tử", 2),
        ("chính quyền số", 2),
        ("kinh tế số", 1.5),
        ("xã hội số", 1.5),
        ("hành chính điện tử", 2),
        ("cơ quan điện tử", 2),
        ("một cửa điện tử", 2),
        ("văn phòng điện tử", 2),
        ("công báo điện tử", 2),
        ("trung tâm dữ liệu", 2),
        ("tích hợp dữ liệu", 2),
        ("an toàn thông tin", 2),
        ("ATTT", 2),
        ("an ninh mạng", 1.5),
        ("an toàn, an ninh thông tin", 2),
        ("chuyển đổi số", 2),
        ("CĐS", 2),
        ("công nghệ số", 2),
        ("nền tảng số", 2),
        ("chữ ký số", 2),
        ("ký số", 1.5),
        ("chứng thư số", 2),
        ("điều hành thông minh", 2),
        ("đô thị thông minh", 2),
        ("IOC", 2),
        ("thư điện tử", 2),
        ("mã nguồn mở", 2),
        ("quản trị mạng", 1.5),
        ("tin học", 1.5),
        ("hệ thống thông tin", 1.5),
        ("mạng LAN", 1.5),
        ("mạng WAN", 1.5),
        ("e-office", 2),
        ("e-mail", 1),
    ),
    BAO_CHI: (
        ("báo chí", 2),
        ("xuất bản", 2),
        ("phát thanh", 2),
        ("truyền hình", 2),
        ("truyền thanh", 2),
        ("PTTH", 2),
        ("PT-TH", 2),
        ("nhà báo", 2),
        ("báo in", 2),
        ("tạp chí", 2),
        ("họp báo", 1.5),
        ("bản tin", 1.5),
        ("đặc san", 1.5),
        ("điểm báo", 1.5),
        ("thông tin cơ sở", 2),
        ("thông tin đối ngoại", 2),
        ("phát ngôn", 1.5),
        ("in, phát hành", 1.5),
        ("giao ban báo chí", 2),
    ),
}

# Names of bodies, taken out before counting (see the module docstring).
_BODIES = re.compile(
    r"(?:Sở|Bộ|Tập đoàn|Tổng công ty|Học viện(?: Công nghệ)?|Cục|Vụ|Công đoàn|Ngành)\s+"
    r"(?:Bưu chính\s*[,-]?\s*Viễn thông(?: Việt Nam)?|BCVT|BC-VT|BC&VT)",
    re.IGNORECASE,
)
# One of these is in every name _BODIES matches.
_BODY_HINTS = ("bưu chính", "bcvt", "bc-vt", "bc&vt")
# A review of the sector's period: the whole remit, a sentence a field.
_REVIEW = re.compile(
    r"\b(?:tong ket|so ket|giao ban (?:truc tuyen )?(?:toan )?nganh|nhiem vu nam|"
    r"\d+ thang (?:dau|cuoi) nam|nganh thong tin va truyen thong)\b"
)


@dataclass(frozen=True)
class FieldJudgement:
    codes: tuple[str, ...]
    scores: dict[str, float]
    uncertain: tuple[str, ...]


def _key(text: str, case_sensitive: bool) -> str:
    text = " ".join(text.split())
    return text if case_sensitive else text.lower()


class _Matcher:
    """Every keyword of every field in one expression; a match's text leads
    back to its fields and weights."""

    def __init__(self, keywords: dict[str, tuple[tuple[str, float], ...]]) -> None:
        self.weights: dict[str, list[tuple[str, float]]] = {}
        words: set[str] = set()
        abbreviations: set[str] = set()
        for code, entries in keywords.items():
            for phrase, weight in entries:
                key = _key(normalize(phrase), phrase.isupper())
                self.weights.setdefault(key, []).append((code, weight))
                # Abbreviations keep their case: "SIM" is not "sim", "IOC" not "ioc".
                (abbreviations if phrase.isupper() else words).add(key)
        anycase = phrase_trie((k.split() for k in words), r"\s+")
        exact = phrase_trie((k.split() for k in abbreviations), r"\s+")
        self.regex = re.compile(rf"(?<!\w)(?:{anycase}|(?-i:{exact}))(?!\w)", re.IGNORECASE)

    def score(self, text: str, factor: float, scores: dict[str, float]) -> None:
        for match in self.regex.finditer(text):
            found = match.group(0)
            weights = self.weights.get(_key(found, True)) or self.weights.get(_key(found, False))
            for code, weight in weights or ():
                scores[code] += weight * factor


_MATCHER = _Matcher(KEYWORDS)


def _without_bodies(text: str) -> str:
    # Most pages name no such body: substring tests in C spare the pattern's
    # walk over the whole text.
    lowered = text.lower()
    if any(hint in lowered for hint in _BODY_HINTS):
        return _BODIES.sub(" ", text)
    return text


def score_fields(title: str, body: str) -> dict[str, float]:
    title = _without_bodies(normalize(title))
    body = _without_bodies(normalize(body))
    scores = dict.fromkeys(FIELD_CODES, 0.0)
    _MATCHER.score(body, 1, scores)
    _MATCHER.score(title, HEADLINE_FACTOR, scores)
    return scores


def is_review(title: str, body: str) -> bool:
    """A review of the sector's year, half-year or quarter."""
    return bool(_REVIEW.search(fold(title))) or bool(_REVIEW.search(fold(body[:400])))


def judge_fields(title: str, body: str) -> FieldJudgement:
    scores = score_fields(title, body)
    threshold = REVIEW_THRESHOLD if is_review(title, body) else THRESHOLD
    codes = tuple(code for code in FIELD_CODES if scores[code] >= threshold)
    uncertain = tuple(code for code in FIELD_CODES if UNCERTAIN_FROM <= scores[code] < threshold)
    return FieldJudgement(codes=codes, scores=scores, uncertain=uncertain)


def _label_key(label: str) -> str:
    return " ".join(fold(label).replace("-", " ").replace("_", " ").split())


def make_field_lookup(rows: Iterable[Sequence[str]]) -> Callable[[str], str | None]:
    """Map a field given by code, name or short name (any accents) to its code.

    ``rows`` are (code, name, short_name, ...) tuples, from IctField or fields.json.
    """
    table: dict[str, str] = {}
    for code, *labels in rows:
        for label in (code, *labels):
            if label:
                table.setdefault(_label_key(label), code)

    def lookup(label: str) -> str | None:
        return table.get(_label_key(label))

    return lookup


@cache
def reference_field_rows() -> tuple[tuple[str, str, str], ...]:
    rows = json.loads(FIELDS_JSON.read_text(encoding="utf-8"))
    return tuple((row["code"], row["name"], row.get("short_name", "")) for row in rows)
