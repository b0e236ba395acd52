"""Importing the five seed files yields the seven articles of expected.json."""

from __future__ import annotations

import hashlib
import json
import unicodedata

import pytest
from conftest import SEEDS

from articles.importer import dates
from articles.importer.extraction import take_byline
from articles.importer.fields import judge_fields
from articles.importer.pipeline import import_paths
from articles.importer.provinces import default_matcher
from articles.models import Article, DatePrecision, IndexQueueEntry
from articles.search.index import queue as indexing

EXPECTED = json.loads((SEEDS / "expected.json").read_text(encoding="utf-8"))["articles"]
FIELD_CODES = {"bưu chính": "buu-chinh", "viễn thông": "vien-thong", "CNTT": "cntt"}
FIELD_CODES["báo chí"] = "bao-chi"
PRECISION_BY_LENGTH = {4: "year", 7: "month", 10: "day"}
# Furniture of the scraped pages that must not survive into any body.
FURNITURE = (
    "ĐÁNH GIÁ BÀI VIẾT",
    "Cổng dịch vụ công",
    "Xem chi tiết",
    "Quốc Gia",
    "Cập nhật thông tin, chính sách",
    "Nơi giới thiệu những sản phẩm",
    "Toàn cảnh hội nghị.",
    "(Mic.gov.vn)",
)
FURNITURE_PARAGRAPHS = {"img", "icon", "banner", "Top", "Doanh nghiệp"}


def article_for(expected: dict) -> Article:
    return Article.objects.get(source_file=expected["file"], source_item=expected["item"])


def expected_id(expected: dict) -> str:
    return f"{expected['file'][:3]}-{expected['item']}"


@pytest.fixture(scope="module")
def seeded(django_db_setup, django_db_blocker):
    """The seeds imported once for the module (the import is the slow part)."""
    with django_db_blocker.unblock():
        with indexing.indexing_deferred():
            report = import_paths([SEEDS], update_index=False)
        yield report
        # Deferred, so that deleting queues nothing for an index outside the test.
        with indexing.indexing_deferred():
            Article.objects.all().delete()
        IndexQueueEntry.objects.all().delete()


@pytest.fixture
def report(seeded, db):
    return seeded


def test_five_files_give_seven_articles(report):
    assert report.files_read == 5
    assert report.imported == 7
    assert report.skipped == []
    assert report.ignored == ["expected.json"]
    assert Article.objects.count() == 7


@pytest.mark.parametrize("expected", EXPECTED, ids=expected_id)
def test_title(report, expected):
    title = article_for(expected).title
    if expected["file"].startswith("004") and expected["item"] == 2:
        assert title.rstrip(".") == expected["title"].rstrip(".")
    else:
        assert title == expected["title"]


@pytest.mark.parametrize("expected", EXPECTED, ids=expected_id)
def test_date_and_precision(report, expected):
    article = article_for(expected)
    assert article.date_precision == PRECISION_BY_LENGTH[len(expected["date"])]
    shown = dates.FoundDate(article.date, article.date_precision).as_string()
    assert shown == expected["date"]


@pytest.mark.parametrize("expected", EXPECTED, ids=expected_id)
def test_province(report, expected):
    assert article_for(expected).province.name == expected["province"]


@pytest.mark.parametrize("expected", EXPECTED, ids=expected_id)
def test_fields(report, expected):
    codes = set(article_for(expected).fields.values_list("code", flat=True))
    must = {FIELD_CODES[name] for name in expected["fields_must"]}
    may = {FIELD_CODES[name] for name in expected["fields_may"]}
    assert must <= codes, f"missing {must - codes}"
    assert codes <= must | may, f"wrong {codes - must - may}"


@pytest.mark.parametrize("expected", EXPECTED, ids=expected_id)
def test_byline_and_source(report, expected):
    article = article_for(expected)
    if expected["file"].startswith("004"):
        # Printed on two lines: joined with a dash, or the name alone.
        assert article.byline in {expected["byline"], "Ái Phương"}
    else:
        assert article.byline == (expected["byline"] or "")
    assert article.source == (expected["source"] or "")


@pytest.mark.parametrize("expected", EXPECTED, ids=expected_id)
def test_body_is_clean_text(report, expected):
    article = article_for(expected)
    body = article.body
    paragraphs = body.split("\n\n")
    assert len(paragraphs) >= 2
    assert unicodedata.is_normalized("NFC", body)
    for piece in FURNITURE:
        assert piece not in body
    assert not FURNITURE_PARAGRAPHS & set(paragraphs)
    assert all(p and p == p.strip() and "\n" not in p for p in paragraphs)
    assert len(set(paragraphs)) == len(paragraphs), "a paragraph is repeated"
    assert article.title not in body
    if article.byline:
        assert article.byline not in body
        assert article.byline.split(" – ")[0] not in paragraphs
    assert not any(p.startswith(("* ", "Tin hoạt động")) for p in paragraphs)


def test_bodies_start_with_their_lead_and_keep_every_paragraph(report):
    firsts = {
        (a.source_file[:3], a.source_item): a.body.split("\n\n")[0] for a in Article.objects.all()
    }
    assert firsts[("000", 1)].startswith("Trong tháng 10/2008 Lãnh đạo Sở")
    assert firsts[("000", 2)].startswith("Thực hiện sự chỉ đạo của Ban thường vụ")
    assert firsts[("001", 1)].startswith("Vừa qua, Sở Thông tin")
    assert firsts[("002", 1)].startswith("Sáng ngày 30/01/2007")
    assert firsts[("003", 1)].startswith("Sáng ngày 04/2/210, Sở Thông tin")
    assert firsts[("004", 1)].startswith("Ngày 19/7/2011, Sở Thông tin")
    assert firsts[("004", 2)].startswith("Sáng nay, Sở Thông tin")
    # 003 prints 34 paragraphs after its headline; two of them on adjacent lines.
    assert len(Article.objects.get(source_file__startswith="003").paragraphs) == 34
    tail = Article.objects.get(source_file__startswith="001").paragraphs[-1]
    assert tail.endswith("các địa phương, đơn vị…")


def test_repeated_leads_and_digest_lists_are_dropped(report):
    b002 = Article.objects.get(source_file__startswith="002").body
    assert b002.count("Sáng ngày 30/01/2007, Sở Bưu chính, Viễn thông Quảng Ngãi") == 1
    item1, item2 = Article.objects.filter(source_file__startswith="000").order_by("source_item")
    assert "Công đoàn Sở" not in item1.body  # the next item's headline and text
    assert "Lãnh đạo Sở Thông tin và Truyền thông đã tổ chức làm việc" not in item2.body
    h1, h2 = Article.objects.filter(source_file__startswith="004").order_by("source_item")
    # The digest's lead, which names both items, belongs to neither.
    assert "vừa tổ chức" not in h1.body and "vừa tổ chức" not in h2.body
    assert "Sáng nay" not in h1.body and "Ngày 19/7/2011" not in h2.body


def test_datelines_are_not_in_the_body(report):
    assert "17/07/2014 10:25" not in Article.objects.get(source_file__startswith="001").body
    assert "2:07:06 PM" not in Article.objects.get(source_file__startswith="002").body


def test_provenance(report):
    for path in sorted(SEEDS.glob("*.txt")):
        raw = path.read_bytes()
        for article in Article.objects.filter(source_file=path.name):
            assert article.raw_text == raw.decode("utf-8")
            assert article.raw_fingerprint == hashlib.sha256(raw).hexdigest()
            assert len(article.fingerprint) == 64
    items = Article.objects.filter(source_file__startswith="004").values_list(
        "source_item", flat=True
    )
    assert sorted(items) == [1, 2]


def test_uncertain_extractions_are_flagged_for_review(report):
    a003 = Article.objects.get(source_file__startswith="003")
    assert a003.needs_review
    assert "date year contradicts headline; corrected" in a003.review_reasons
    item2 = Article.objects.get(source_file__startswith="004", source_item=2)
    assert item2.needs_review
    assert any("digest" in reason for reason in item2.review_reasons)
    a002 = Article.objects.get(source_file__startswith="002")
    assert not a002.needs_review and a002.review_reasons == []


def test_cited_document_dates_are_not_the_article_date():
    lead = (
        "Một số nội dung chính như: Quyết định số 225/QĐ-UBND ngày 19/3/2014 của UBND tỉnh "
        "phê duyệt quy hoạch; hội nghị diễn ra ngày 20/4/2014."
    )
    found = dates.first_lead_date(lead)
    assert found is not None and found.as_string() == "2014-04-20"
    assert dates.first_lead_date("Theo Nghị định 43/2011/NĐ-CP ngày 13/6/2011.") is None


def test_precision_values_match_the_model():
    assert {dates.DAY, dates.MONTH, dates.YEAR, dates.UNKNOWN} == set(DatePrecision.values)


# -- the extraction rules the seeds exercise, on variants the seeds do not show --


@pytest.mark.parametrize(
    ("text", "province"),
    [
        ("Sở TT&TT Đăk Nông tổng kết năm 2010", "Đắk Nông"),
        ("Hội nghị tại tỉnh Đak Nông", "Đắk Nông"),
        ("DAK NONG: TONG KET NAM 2010", "Đắk Nông"),
        ("Thanh Hoá triển khai chính quyền điện tử", "Thanh Hóa"),
        ("Đắc Lắc và Daklak là một", "Đắk Lắk"),
        ("Khai trương mạng 3G tại TP.HCM", "TP. Hồ Chí Minh"),
        ("Học tập tư tưởng Hồ Chí Minh ở Bắc Cạn", "Bắc Kạn"),
        ("Giữ gìn hòa bình, phát triển Kontum", "Kon Tum"),
    ],
)
def test_province_spellings(text, province):
    assert default_matcher().first_in(text) == province


def test_province_named_by_its_department_outweighs_passing_mentions():
    body = (
        "Sở TT&TT Hậu Giang phối hợp với Viện Công nghệ Viễn thông TP. Hồ Chí Minh, "
        "một đơn vị ở TP. Hồ Chí Minh, xây dựng phần mềm cho tỉnh Hậu Giang."
    )
    assert default_matcher().best_in(body) == ("Hậu Giang", True)


@pytest.mark.parametrize(
    ("line", "date"),
    [
        ("1/30/2007 2:07:06 PM", "2007-01-30"),
        ("3/4/2012 10:15:00 AM", "2012-03-04"),
        ("Thứ năm, 17/07/2014 10:25", "2014-07-17"),
        ("Cập nhật: 05/06/2014", "2014-06-05"),
    ],
)
def test_dateline_shapes(line, date):
    assert dates.parse_dateline(line).as_string() == date


def test_month_only_lead_keeps_month_precision():
    found = dates.first_lead_date("Trong tháng 10/2008 Lãnh đạo Sở làm việc với 10/10 huyện.")
    assert (found.as_string(), found.precision) == ("2008-10", "month")


def test_byline_forms():
    body = ["Đoạn văn thứ nhất của bài.", "Đoạn văn thứ hai của bài."]
    assert take_byline([*body, "Ái Phương", "Sở TT&TT Hậu Giang"]) == (
        "Ái Phương – Sở TT&TT Hậu Giang",
        body,
    )
    assert take_byline([*body, "Sở TT&TT Bắc Ninh"]) == ("Sở TT&TT Bắc Ninh", body)
    assert take_byline([*body, "Hội nghị kết thúc lúc 11 giờ cùng ngày."])[0] == ""


def test_a_field_mentioned_once_in_passing_is_not_a_field():
    title = "Công đoàn Sở tổ chức hội thao"
    body = "Hội thao có sự tham gia của đoàn viên, trong đó có cán bộ bưu chính của Sở."
    judgement = judge_fields(title, body)
    assert judgement.codes == ()
