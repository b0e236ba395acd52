"""The fixed query mix of the benchmark: what readers of this archive type.

Each entry is a query string for the search page (``/tim-kiem/?...``):
common and rare words, phrases, text typed without diacritics,
abbreviations and document numbers, exclusions and OR, with and without
the province / year / field filters, other sorts and later pages, and
filter-only browsing. Keep the list stable so runs stay comparable; add new
cases at the end.
"""

from __future__ import annotations

from urllib.parse import urlencode

_CASES: list[dict[str, object]] = [
    # Common words and phrases of the domain.
    {"q": "hội nghị"},
    {"q": "viễn thông"},
    {"q": "công nghệ thông tin"},
    {"q": "chuyển đổi số"},
    {"q": "bưu điện văn hóa xã"},
    {"q": "phần mềm một cửa điện tử"},
    {"q": "trạm BTS"},
    {"q": "giao ban báo chí"},
    {"q": "dịch vụ công trực tuyến"},
    {"q": "an toàn thông tin"},
    {"q": "cáp quang"},
    {"q": "thông tin cơ sở"},
    {"q": "tổng kết công tác năm"},
    {"q": "Sở Thông tin và Truyền thông"},
    {"q": "Ủy ban nhân dân tỉnh"},
    {"q": "uỷ ban nhân dân"},
    {"q": "văn hoá"},
    # Abbreviations and document numbers.
    {"q": "CNTT"},
    {"q": "Sở TT&TT"},
    {"q": "UBND"},
    {"q": "BCVT"},
    {"q": "43/2011/NĐ-CP"},
    {"q": "QĐ-UBND"},
    # Phrases, exclusion, OR.
    {"q": '"bưu điện văn hóa xã"'},
    {"q": '"trung tâm tích hợp dữ liệu"'},
    {"q": '"chữ ký số"'},
    {"q": "viễn thông -internet"},
    {"q": "wifi OR 5G"},
    {"q": "báo chí -xuất bản"},
    # Typed without diacritics.
    {"q": "chuyen doi so"},
    {"q": "buu dien van hoa xa"},
    {"q": "phan mem mot cua"},
    {"q": "tram bts"},
    {"q": "giao ban bao chi"},
    {"q": "an toan thong tin"},
    {"q": "hoi nghi truc tuyen"},
    # Rarer words: names, places, specific terms.
    {"q": "Triệu Bích Yến"},
    {"q": "Krông"},
    {"q": "Bồng"},
    {"q": "Vietnamobile"},
    {"q": "ICT Index"},
    {"q": "mã độc"},
    {"q": "ngầm hóa"},
    {"q": "Điểm báo"},
    {"q": "Phúc Quỳ"},
    # With facet filters.
    {"q": "viễn thông", "province": "ha-noi"},
    {"q": "công nghệ thông tin", "year": "2015"},
    {"q": "chuyển đổi số", "field": "cntt"},
    {"q": "bưu chính", "province": ["bac-giang", "bac-ninh"], "field": "buu-chinh"},
    {"q": "hội nghị", "year": ["2010", "2011"], "field": ["bao-chi", "vien-thong"]},
    {"q": "phan mem", "tu_nam": "2012", "den_nam": "2016"},
    {"q": "trạm BTS", "province": "dak-lak", "sort": "newest"},
    {"q": "internet", "sort": "oldest"},
    {"q": "thuê bao", "page": "3"},
    {"q": "giao ban báo chí", "province": "ho-chi-minh", "year": "2020", "field": "bao-chi"},
    # Browsing without words.
    {},
    {"province": "ha-noi"},
    {"field": "cntt", "year": "2018"},
    {"province": "ha-tay"},
    {"sort": "oldest", "page": "2"},
]


def query_strings() -> list[str]:
    return [urlencode(case, doseq=True) for case in _CASES]


def query_dicts() -> list[dict[str, list[str]]]:
    """The same cases as lists of values, for ``SearchParams.from_query_dict``."""
    out = []
    for case in _CASES:
        out.append({k: v if isinstance(v, list) else [str(v)] for k, v in case.items()})
    return out
