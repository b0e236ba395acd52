"""Hostile input over every public endpoint: no 5xx, well-formed XML and JSON.

Bounded and seeded: the same few thousand requests on every run, through
the test client, against a small archive holding awkward text of its own.
"""

from __future__ import annotations

import json
import random
import xml.etree.ElementTree as ET
from urllib.parse import quote

import pytest

pytestmark = pytest.mark.django_db

REQUESTS = 2400
SEED = 20261123

PAGES = [
    "/",
    "/tim-kiem/",
    "/moi-nhat/",
    "/tinh/{slug}/",
    "/linh-vuc/{slug}/",
    "/nam/{year}/",
    "/bai-viet/{slug}/",
    "/do-phu/",
]
XML = [
    "/rss/",
    "/atom/",
    "/tinh/{slug}/rss/",
    "/tinh/{slug}/atom/",
    "/linh-vuc/{slug}/rss/",
    "/linh-vuc/{slug}/atom/",
    "/nam/{year}/rss/",
    "/nam/{year}/atom/",
    "/tim-kiem/rss/",
    "/tim-kiem/atom/",
    "/opensearch.xml",
    "/sitemap.xml",
    "/sitemap-{slug}.xml",
]
JSON = ["/api/search", "/api/suggest", "/tim-kiem/xuat.json"]
OTHER = ["/tim-kiem/xuat.csv"]

PIECES = [
    "chuyển đổi số",
    "chuyen doi so",
    "CNTT",
    "TT&TT",
    "43/2011/NĐ-CP",
    '"',
    '"bưu điện',
    "-",
    "--x",
    "OR",
    "| ||",
    "(",
    ")",
    "*",
    "?",
    "\\",
    "%",
    "'",
    "<script>alert(1)</script>",
    "\x00",
    "\x08",
    "\x1b",
    "\ufffe",
    "\u200b",
    "\ud7ff",
    "e\u0301",
    "Đ",
    "Ð",
    "🙂",
    "a" * 500,
    "9" * 40,
    "-1",
    "0",
    "1e308",
    "NaN",
]
PARAMS = ["q", "province", "year", "field", "tu_nam", "den_nam", "sort", "page", "x", "format"]
SLUGS = ["ha-noi", "quang-ngai", "cntt", "bao-chi", "khong-co", "ha-tay", "2024", "x" * 80]


def _value(rng: random.Random) -> str:
    return "".join(rng.choice(PIECES) for _ in range(rng.randint(0, 4)))


def _query(rng: random.Random) -> str:
    parts = []
    for _ in range(rng.randint(0, 6)):
        key = rng.choice(PARAMS)
        value = _value(rng)
        if rng.random() < 0.1:
            # Bytes that are not UTF-8 at all.
            parts.append(f"{key}=%FF%FE{quote(value)}")
        else:
            parts.append(f"{quote(key)}={quote(value)}")
    return "&".join(parts)


def _path(rng: random.Random, template: str) -> str:
    slug = rng.choice(SLUGS) if rng.random() < 0.8 else quote(_value(rng) or "x", safe="")
    year = rng.choice(["2015", "1990", "2100", "0000", "2024"])
    return template.format(slug=slug, year=year)


@pytest.fixture
def awkward_archive(make_article, index_now):
    with index_now:
        make_article("Quảng Ngãi đẩy mạnh chuyển đổi số", province="quang-ngai", fields=("cntt",))
        make_article(
            "Bài có <b>thẻ</b> & ký tự \u0008 lạ",
            "Nội dung \x00 với \ufffe và <script>x</script> cùng TT&TT.",
            province="ha-noi",
            fields=("bao-chi",),
        )
        make_article("Hà Tây cũ", "Bưu điện văn hoá xã.", province="ha-tay", date=None)


def test_fuzzed_requests_never_fail_and_always_parse(client, awkward_archive):
    rng = random.Random(SEED)
    kinds = {"page": PAGES, "xml": XML, "json": JSON, "other": OTHER}
    counts = {kind: 0 for kind in kinds}
    parsed = {"xml": 0, "json": 0}
    failures = []
    for _ in range(REQUESTS):
        kind = rng.choice(list(kinds))
        url = _path(rng, rng.choice(kinds[kind]))
        query = _query(rng)
        response = client.get(f"{url}?{query}" if query else url)
        counts[kind] += 1
        status = response.status_code
        if status >= 500:
            failures.append((url, query, status))
            continue
        if status != 200:
            continue
        body = b"".join(response.streaming_content) if response.streaming else response.content
        try:
            if kind == "xml":
                ET.fromstring(body)
                parsed["xml"] += 1
            elif kind == "json":
                json.loads(body)
                parsed["json"] += 1
        except (ET.ParseError, ValueError) as error:
            failures.append((url, query, f"{kind} does not parse: {error}"))
    assert failures == []
    assert min(counts.values()) > REQUESTS // 8
    # Most XML and JSON answers were full documents, not refusals.
    assert parsed["xml"] > counts["xml"] // 2 and parsed["json"] > counts["json"] // 2
