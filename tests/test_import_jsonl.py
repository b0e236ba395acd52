"""JSON Lines: given metadata wins, missing values are extracted from the text."""

from __future__ import annotations

import json

import pytest

from articles.importer.pipeline import import_paths
from articles.models import Article

pytestmark = pytest.mark.django_db

BODY = (
    "Ngày 12/5/2016, Sở Thông tin và Truyền thông tỉnh Lào Cai tổ chức hội nghị về "
    "ứng dụng CNTT và cổng thông tin điện tử.\n\n"
    "Các đại biểu thảo luận về phần mềm quản lý văn bản và cơ sở dữ liệu dùng chung."
)


def write_jsonl(path, records) -> None:
    path.write_text(
        "\n".join(json.dumps(r, ensure_ascii=False) for r in records) + "\n", encoding="utf-8"
    )


def test_given_metadata_wins_and_missing_values_are_extracted(tmp_path):
    feed = tmp_path / "feed.jsonl"
    write_jsonl(
        feed,
        [
            {
                "id": "lc-1",
                "title": "Lào Cai đẩy mạnh ứng dụng CNTT",
                "body": BODY,
                "date": "2016-05",
                "province": "Yen Bai",
                "fields": ["Báo chí", "cntt"],
                "byline": "Thu Hà",
                "source": "laocai.gov.vn",
                "url": "https://example.org/lc-1",
            },
            {"title": "Lào Cai đẩy mạnh ứng dụng CNTT (bản 2)", "body": BODY},
            {"text": "Tiêu đề ở dòng đầu\n\n" + BODY, "fields": "viễn thông, CNTT"},
        ],
    )

    report = import_paths([feed], update_index=False)

    assert report.imported == 3 and report.skipped == []
    given, extracted, from_text = Article.objects.order_by("source_item")
    assert (given.source_file, given.source_item) == ("feed.jsonl", 1)
    assert given.date.isoformat() == "2016-05-01" and given.date_precision == "month"
    assert given.province.name == "Yên Bái"
    assert set(given.fields.values_list("code", flat=True)) == {"bao-chi", "cntt"}
    assert (given.byline, given.source) == ("Thu Hà", "laocai.gov.vn")
    assert given.source_url == "https://example.org/lc-1"

    assert extracted.date.isoformat() == "2016-05-12" and extracted.date_precision == "day"
    assert extracted.province.name == "Lào Cai"
    assert set(extracted.fields.values_list("code", flat=True)) == {"cntt"}
    assert extracted.body == BODY

    assert from_text.title == "Tiêu đề ở dòng đầu"
    assert set(from_text.fields.values_list("code", flat=True)) == {"vien-thong", "cntt"}


def test_unrecognised_metadata_is_flagged_not_fatal(tmp_path):
    feed = tmp_path / "odd.jsonl"
    write_jsonl(
        feed,
        [{"title": "Lào Cai họp", "body": BODY, "province": "Atlantis", "date": "mùa xuân"}],
    )

    import_paths([feed], update_index=False)

    article = Article.objects.get()
    assert article.province.name == "Lào Cai"  # extracted instead
    assert article.date.isoformat() == "2016-05-12"
    assert article.needs_review
    assert "given province 'Atlantis' not recognised" in article.review_reasons
    assert any(reason.startswith("given date 'mùa xuân'") for reason in article.review_reasons)


def test_changed_line_updates_only_its_article(tmp_path):
    feed = tmp_path / "feed.jsonl"
    records = [{"title": f"Tin số {n} của Lào Cai", "body": BODY} for n in range(1, 4)]
    write_jsonl(feed, records)
    import_paths([feed], update_index=False)
    stamps = dict(Article.objects.values_list("source_item", "updated_at"))

    records[1]["title"] = "Tin số 2 của Lào Cai, đã sửa"
    write_jsonl(feed, records)
    report = import_paths([feed], update_index=False)

    assert (report.imported, report.updated, report.unchanged) == (0, 1, 2)
    after = dict(Article.objects.values_list("source_item", "updated_at"))
    assert after[1] == stamps[1] and after[3] == stamps[3]
    assert after[2] > stamps[2]
    assert Article.objects.get(source_item=2).title == "Tin số 2 của Lào Cai, đã sửa"
