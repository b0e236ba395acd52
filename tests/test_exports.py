"""Export of search results as CSV and JSON."""

from __future__ import annotations

import csv
import datetime as dt
import io
import json

import pytest
from django.test import override_settings

from articles import exports

pytestmark = pytest.mark.django_db

CSV_URL = "/tim-kiem/xuat.csv"
JSON_URL = "/tim-kiem/xuat.json"


def body(response) -> bytes:
    assert response.status_code == 200
    return b"".join(response.streaming_content)


def csv_rows(response) -> list[list[str]]:
    raw = body(response)
    assert raw.startswith(b"\xef\xbb\xbf")  # the BOM Excel needs for UTF-8
    return list(csv.reader(io.StringIO(raw.decode("utf-8-sig"), newline="")))


def json_body(response) -> dict:
    return json.loads(body(response).decode("utf-8"))


def test_csv_keeps_commas_quotes_and_newlines(client, make_article, index_now):
    tricky = 'Hội nghị "Chuyển đổi số", lần 2\nphiên chiều'
    with index_now:
        make_article(tricky, "Nội dung hội nghị", province="bac-ninh", fields=("cntt", "bao-chi"))

    rows = csv_rows(client.get(CSV_URL))

    header, *data = rows
    assert header[:4] == ["Tiêu đề", "Ngày", "Ngày (ISO 8601)", "Tỉnh/thành phố"]
    assert len(data) == 1
    record = dict(zip(header, data[0], strict=True))
    assert record["Tiêu đề"] == tricky
    assert record["Tỉnh/thành phố"] == "Bắc Ninh"
    assert record["Nguồn"] == "Sở TT&TT Bắc Ninh"
    assert record["Địa chỉ trên cổng"].startswith("http://testserver/bai-viet/")
    assert record["Lĩnh vực"] == "Công nghệ thông tin; Báo chí"


def test_csv_cells_cannot_run_as_spreadsheet_formulas(client, make_article, index_now):
    titles = ["=1+1", "@SUM(A1)", "+84 thuê bao", "-10% cước", "Bình thường"]
    with index_now:
        for title in titles:
            make_article(title, "Nội dung")

    data = csv_rows(client.get(CSV_URL))[1:]

    exported = {row[0] for row in data}
    assert exported == {"'=1+1", "'@SUM(A1)", "'+84 thuê bao", "'-10% cước", "Bình thường"}


def test_export_has_every_match_not_just_one_page(client, make_article, index_now, monkeypatch):
    # Small chunks, so that the export has to page through the search results.
    monkeypatch.setattr(exports, "CHUNK", 7)
    with index_now:
        for n in range(25):
            make_article(f"Tin viễn thông số {n}", "Trạm BTS mới", date=dt.date(2015, 1, 1 + n))
        make_article("Tin bưu chính", "Bưu điện văn hóa xã")

    data = csv_rows(client.get(CSV_URL, {"q": "viễn thông"}))[1:]

    titles = [row[0] for row in data]
    assert len(titles) == 25
    assert set(titles) == {f"Tin viễn thông số {n}" for n in range(25)}
    assert json_body(client.get(JSON_URL, {"q": "vien thong"}))["count"] == 25


def test_export_follows_the_search_filters(client, make_article, index_now):
    with index_now:
        make_article("Hà Nội phủ sóng 4G", province="ha-noi", date=dt.date(2012, 5, 1))
        make_article("Hà Nội phủ sóng 3G", province="ha-noi", date=dt.date(2009, 5, 1))
        make_article("Cà Mau phủ sóng 4G", province="ca-mau", date=dt.date(2012, 5, 1))

    data = csv_rows(client.get(CSV_URL, {"q": "phủ sóng", "province": "ha-noi", "year": "2012"}))

    assert [row[0] for row in data[1:]] == ["Hà Nội phủ sóng 4G"]


@override_settings(PORTAL_EXPORT_MAX_ROWS=3)
def test_export_stops_at_the_cap_and_says_so(client, make_article, index_now):
    with index_now:
        for n in range(5):
            make_article(f"Tin số {n}", date=dt.date(2016, 1, 1 + n))

    response = client.get(CSV_URL)
    assert response["X-Export-Truncated"] == "true"
    rows = csv_rows(response)
    assert len(rows) == 1 + 3 + 1
    note = rows[-1][0]
    assert "Chỉ xuất 3 trong số 5 bài" in note

    data = json_body(client.get(JSON_URL))
    assert data["truncated"] is True
    assert data["total"] == 5
    assert len(data["results"]) == data["count"] == 3
    assert "Chỉ xuất 3 trong số 5 bài" in data["message"]


def test_export_under_the_cap_is_not_marked_truncated(client, make_article, index_now):
    with index_now:
        make_article("Tin duy nhất")
    response = client.get(CSV_URL)
    assert response["X-Export-Truncated"] == "false"
    assert len(csv_rows(response)) == 2
    assert json_body(client.get(JSON_URL))["truncated"] is False


def test_json_export_carries_citation_fields(client, make_article, index_now):
    with index_now:
        make_article(
            "Đắk Nông cấp phép tần số",
            "Nội dung",
            province="dak-nong",
            fields=("vien-thong",),
            date=dt.date(2008, 10, 1),
            precision="month",
            source="mic.gov.vn",
            source_url="https://mic.gov.vn/tin/1",
        )

    response = client.get(JSON_URL, {"q": "tan so"})
    assert response["Content-Type"].startswith("application/json")
    data = json_body(response)

    assert data["query"] == "tan so"
    assert data["total"] == data["count"] == 1
    item = data["results"][0]
    assert item["title"] == "Đắk Nông cấp phép tần số"
    assert item["date"] == "2008-10"
    assert item["date_display"] == "tháng 10/2008"
    assert item["province"] == "Đắk Nông"
    assert item["fields"] == ["vien-thong"]
    assert item["source"] == item["publisher"] == "mic.gov.vn"
    assert item["source_url"] == "https://mic.gov.vn/tin/1"
    assert item["url"].startswith("http://testserver/bai-viet/")


def test_exports_download_under_an_unaccented_file_name(client, db):
    # Each export read to the end before the next, as a browser does (an
    # export holds its slot while it streams).
    csv_response = client.get(CSV_URL, {"q": "chuyển đổi số"})
    assert csv_response["Content-Disposition"] == (
        'attachment; filename="ket-qua-tim-kiem-chuyen-doi-so.csv"'
    )
    assert csv_rows(csv_response)[1:] == []
    json_response = client.get(JSON_URL, {"q": "chuyển đổi số"})
    assert json_response["Content-Disposition"] == (
        'attachment; filename="ket-qua-tim-kiem-chuyen-doi-so.json"'
    )
    assert json_body(json_response)["results"] == []


def test_export_with_malformed_query_string_still_answers(client, make_article, index_now):
    with index_now:
        make_article("Tin bất kỳ")
    query = {"q": '"unbalanced -', "year": "abc", "page": "-4", "province": "<script>"}
    assert csv_rows(client.get(CSV_URL, query))[1:] == []
    assert json_body(client.get(JSON_URL, query))["count"] == 0
