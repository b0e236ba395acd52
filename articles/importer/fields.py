"""Which ICT fields an article covers, judged by weighted keyword counts.

One passing mention is not enough ("a field mentioned once in passing is
not a field of the article"): a field is kept when its score reaches
``THRESHOLD``, and a score just under it is reported as uncertain. Matches
in the headline count ``HEADLINE_FACTOR`` times.
"""

from __future__ import annotations

import json
import re
from collections.abc import Callable, Iterable, Sequence
from dataclasses import dataclass
from functools import cache
from pathlib import Path

from articles.text import fold, normalize

FIELDS_JSON = Path(__file__).resolve().parent.parent / "data" / "fields.json"

BUU_CHINH = "buu-chinh"
VIEN_THONG = "vien-thong"
CNTT = "cntt"
BAO_CHI = "bao-chi"
FIELD_CODES = (BUU_CHINH, VIEN_THONG, CNTT, BAO_CHI)

THRESHOLD = 4.0
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
        ("chuyển phát", 2),
        ("bưu phẩm", 2),
        ("bưu kiện", 2),
        ("tem bưu chính", 1),
        ("mã bưu chính", 1),
    ),
    VIEN_THONG: (
        ("viễn thông", 2),
        ("BCVT", 2),
        ("BC-VT", 2),
        ("BTS", 2),
        ("internet", 1.5),
        ("tần số", 2),
        ("VTĐ", 2),
        ("vô tuyến điện", 2),
        ("băng thông rộng", 2),
        ("ADSL", 2),
        ("cáp quang", 2),
        ("thuê bao", 2),
        ("di động", 1),
        ("điện thoại", 1),
        ("wifi", 1.5),
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
        ("văn bản điện tử", 2),
        ("dịch vụ công trực tuyến", 2),
        ("cổng thông tin điện tử", 2),
        ("trang thông tin điện tử", 2),
        ("chính phủ điện tử", 2),
        ("chính quyền điện tử", 2),
        ("hành chính điện tử", 2),
        ("cơ quan điện tử", 2),
        ("một cửa điện tử", 2),
        ("trung tâm dữ liệu", 2),
        ("tích hợp dữ liệu", 2),
        ("an toàn thông tin", 2),
        ("an ninh mạng", 1.5),
        ("an toàn, an ninh thông tin", 2),
        ("chuyển đổi số", 2),
        ("thư điện tử", 2),
        ("mã nguồn mở", 2),
        ("quản trị mạng", 1.5),
        ("tin học", 1.5),
        ("hệ thống thông tin", 1.5),
        ("mạng LAN", 1.5),
        ("mạng WAN", 1.5),
        ("e-office", 2),
        ("e-mail", 1),
        ("ATTT", 2),
        ("CĐS", 2),
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
    ),
}


@dataclass(frozen=True)
class FieldJudgement:
    codes: tuple[str, ...]
    scores: dict[str, float]
    uncertain: tuple[str, ...]


def _compile(phrase: str) -> re.Pattern[str]:
    flags = 0 if phrase.isupper() else re.IGNORECASE
    escaped = r"\s+".join(re.escape(part) for part in normalize(phrase).split())
    return re.compile(rf"(?<!\w){escaped}(?!\w)", flags)


_PATTERNS: dict[str, tuple[tuple[re.Pattern[str], float], ...]] = {
    code: tuple((_compile(phrase), weight) for phrase, weight in keywords)
    for code, keywords in KEYWORDS.items()
}


def score_fields(title: str, body: str) -> dict[str, float]:
    title, body = normalize(title), normalize(body)
    scores: dict[str, float] = {}
    for code, patterns in _PATTERNS.items():
        total = 0.0
        for pattern, weight in patterns:
            hits = len(pattern.findall(body)) + HEADLINE_FACTOR * len(pattern.findall(title))
            total += hits * weight
        scores[code] = total
    return scores


def judge_fields(title: str, body: str) -> FieldJudgement:
    scores = score_fields(title, body)
    codes = tuple(code for code in FIELD_CODES if scores[code] >= THRESHOLD)
    uncertain = tuple(code for code in FIELD_CODES if UNCERTAIN_FROM <= scores[code] < THRESHOLD)
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
