"""RSS 2.0 and Atom feeds: parsed as a feed reader would."""

from __future__ import annotations

import datetime as dt
import html
import xml.etree.ElementTree as ET
from email.utils import parsedate_to_datetime

import pytest

from articles.models import Article, Status

ATOM = "{http://www.w3.org/2005/Atom}"


@pytest.fixture
def archive(make_article, rebuild_index):
    articles = {
        "bg": make_article(
            "Bắc Giang đẩy mạnh chuyển đổi số",
            "Sở TT&TT Bắc Giang triển khai chuyển đổi số trong cơ quan nhà nước.",
            province="bac-giang",
            fields=("cntt", "vien-thong"),
            date=dt.date(2021, 3, 5),
            byline="Ngụy Phan Sơn",
        ),
        "hg": make_article(
            "Hậu Giang kiểm tra dịch vụ bưu chính",
            "Đoàn kiểm tra dịch vụ bưu chính công ích.",
            province="hau-giang",
            fields=("buu-chinh",),
            date=dt.date(2014, 7, 17),
        ),
        "old": make_article(
            "Chuyển đổi số ở cấp xã",
            "Trong năm 2008 tỉnh bắt đầu chuyển đổi số.",
            province="bac-giang",
            fields=("cntt",),
            date=dt.date(2008, 1, 1),
            precision="year",
        ),
        "undated": make_article(
            "Tin không rõ ngày về chuyển đổi số",
            province="bac-giang",
            fields=("cntt",),
            date=None,
        ),
    }
    rebuild_index()
    return articles


def rss_items(client, url: str) -> tuple[ET.Element, list[ET.Element]]:
    response = client.get(url)
    assert response.status_code == 200, url
    assert response["Content-Type"].startswith("application/rss+xml")
    channel = ET.fromstring(response.content).find("channel")
    return channel, channel.findall("item")


def atom_entries(client, url: str) -> tuple[ET.Element, list[ET.Element]]:
    response = client.get(url)
    assert response.status_code == 200, url
    assert response["Content-Type"].startswith("application/atom+xml")
    feed = ET.fromstring(response.content)
    return feed, feed.findall(f"{ATOM}entry")


def test_latest_rss(client, archive):
    channel, items = rss_items(client, "/rss/")
    assert channel.findtext("title") == "Tin mới nhất – Tin ICT các tỉnh"
    assert channel.findtext("link") == "http://testserver/moi-nhat/"
    assert channel.findtext("language") == "vi"
    titles = [item.findtext("title") for item in items]
    # Newest first, undated last.
    assert titles == [
        "Bắc Giang đẩy mạnh chuyển đổi số",
        "Hậu Giang kiểm tra dịch vụ bưu chính",
        "Chuyển đổi số ở cấp xã",
        "Tin không rõ ngày về chuyển đổi số",
    ]
    first = items[0]
    assert first.findtext("link") == "http://testserver" + archive["bg"].get_absolute_url()
    published = parsedate_to_datetime(first.findtext("pubDate"))
    assert published.date() == dt.date(2021, 3, 5)
    assert published.utcoffset() == dt.timedelta(hours=7)
    # The province, then the fields in their usual order.
    assert [c.text for c in first.findall("category")] == [
        "Bắc Giang",
        "Viễn thông",
        "Công nghệ thông tin",
    ]
    # The description is the summary, as HTML-escaped text.
    assert html.unescape(first.findtext("description")).startswith("Sở TT&TT Bắc Giang triển khai")
    # An unknown date gives no pubDate rather than a made-up one.
    assert items[3].find("pubDate") is None


def test_latest_atom(client, archive):
    feed, entries = atom_entries(client, "/atom/")
    assert feed.findtext(f"{ATOM}title") == "Tin mới nhất – Tin ICT các tỉnh"
    assert feed.find(f"{ATOM}link[@rel='alternate']").get("href") == "http://testserver/moi-nhat/"
    assert feed.find(f"{ATOM}link[@rel='self']").get("href") == "http://testserver/atom/"
    first = entries[0]
    assert first.findtext(f"{ATOM}title") == "Bắc Giang đẩy mạnh chuyển đổi số"
    assert first.find(f"{ATOM}link").get("href") == (
        "http://testserver" + archive["bg"].get_absolute_url()
    )
    assert first.findtext(f"{ATOM}published").startswith("2021-03-05T00:00:00+07:00")
    assert first.findtext(f"{ATOM}author/{ATOM}name") == "Ngụy Phan Sơn"
    terms = {c.get("term") for c in first.findall(f"{ATOM}category")}
    assert terms == {"Bắc Giang", "Viễn thông", "Công nghệ thông tin"}
    # Every entry has an updated date, as Atom requires, even when undated.
    assert all(entry.findtext(f"{ATOM}updated") for entry in entries)
    assert entries[-1].find(f"{ATOM}published") is None


def test_province_field_and_year_feeds(client, archive):
    _, items = rss_items(client, "/tinh/hau-giang/rss/")
    assert [i.findtext("title") for i in items] == ["Hậu Giang kiểm tra dịch vụ bưu chính"]
    _, entries = atom_entries(client, "/tinh/bac-giang/atom/")
    assert len(entries) == 3

    channel, items = rss_items(client, "/linh-vuc/buu-chinh/rss/")
    assert channel.findtext("title") == "Lĩnh vực Bưu chính – Tin ICT các tỉnh"
    assert [i.findtext("title") for i in items] == ["Hậu Giang kiểm tra dịch vụ bưu chính"]
    _, entries = atom_entries(client, "/linh-vuc/cntt/atom/")
    assert len(entries) == 3

    _, items = rss_items(client, "/nam/2008/rss/")
    assert [i.findtext("title") for i in items] == ["Chuyển đổi số ở cấp xã"]
    # Known only to the year: dated 1 January of that year.
    assert parsedate_to_datetime(items[0].findtext("pubDate")).date() == dt.date(2008, 1, 1)
    _, entries = atom_entries(client, "/nam/2021/atom/")
    assert len(entries) == 1


def test_unknown_feed_objects_are_404(client, archive):
    assert client.get("/tinh/khong-co/rss/").status_code == 404
    assert client.get("/linh-vuc/khong-co/atom/").status_code == 404


def test_search_feed_follows_the_query_and_filters(client, archive):
    channel, items = rss_items(
        client, "/tim-kiem/rss/?q=chuyển+đổi+số&province=bac-giang&year=2021"
    )
    assert [i.findtext("title") for i in items] == ["Bắc Giang đẩy mạnh chuyển đổi số"]
    assert "chuyển đổi số" in channel.findtext("title")
    assert "Bắc Giang" in channel.findtext("title")
    assert channel.findtext("link") == (
        "http://testserver/tim-kiem/?q=chuy%E1%BB%83n+%C4%91%E1%BB%95i+s%E1%BB%91"
        "&province=bac-giang&year=2021"
    )

    # Without the year filter: every match, newest first, whatever the sort asked.
    _, entries = atom_entries(client, "/tim-kiem/atom/?q=chuyen+doi+so&sort=oldest&page=3")
    titles = [e.findtext(f"{ATOM}title") for e in entries]
    assert titles == [
        "Bắc Giang đẩy mạnh chuyển đổi số",
        "Chuyển đổi số ở cấp xã",
        "Tin không rõ ngày về chuyển đổi số",
    ]


def test_feeds_leave_out_hidden_and_duplicate_articles(client, archive, index_now):
    with index_now:
        Article.objects.filter(pk=archive["hg"].pk).update(status=Status.HIDDEN)
        Article.objects.filter(pk=archive["old"].pk).update(duplicate_of=archive["bg"])
    _, items = rss_items(client, "/rss/")
    titles = [i.findtext("title") for i in items]
    assert archive["hg"].title not in titles
    assert archive["old"].title not in titles
    assert archive["bg"].title in titles


def test_feed_limits_items(client, make_article, rebuild_index):
    for n in range(55):
        make_article(f"Tin số {n}", date=dt.date(2012, 1, 1) + dt.timedelta(days=n))
    rebuild_index()
    _, items = rss_items(client, "/rss/")
    assert len(items) == 50
    assert items[0].findtext("title") == "Tin số 54"


def test_strange_search_feed_queries_do_not_fail(client, archive):
    for query in ['"chuyển', "<script>", "-", "x" * 3000]:
        response = client.get("/tim-kiem/rss/", {"q": query, "year": "abc"})
        assert response.status_code == 200
        ET.fromstring(response.content)


@pytest.mark.parametrize("route", ["/tim-kiem/rss/", "/tim-kiem/atom/"])
@pytest.mark.parametrize(
    ("q", "shown"),
    [
        ("a%00b", "ab"),
        ("a%08b", "ab"),
        ("a%1Bb", "ab"),
        ("a%EF%BF%BEb", "ab"),  # U+FFFE
        ("a%ED%B3%BFb", "a\ufffd\ufffd\ufffdb"),  # a lone surrogate: not UTF-8 at all
    ],
)
def test_search_feeds_drop_characters_xml_cannot_carry(client, archive, route, q, shown):
    response = client.get(f"{route}?q={q}")

    assert response.status_code == 200
    root = ET.fromstring(response.content)
    assert f"“{shown}”" in ET.tostring(root, encoding="unicode")


def test_an_article_with_control_characters_keeps_every_feed_readable(client, archive):
    # Written past Article.save(), as a bulk update or an old row would be.
    Article.objects.filter(pk=archive["bg"].pk).update(
        title="Bắc Giang\x08 đẩy mạnh\x00 chuyển đổi số", body="Nội dung\x1b có ký tự lạ\ufffe."
    )
    Article.objects.filter(pk=archive["bg"].pk).update(byline="Tác giả\x0c")

    for url in [
        "/rss/",
        "/atom/",
        "/tinh/bac-giang/rss/",
        "/linh-vuc/cntt/atom/",
        "/nam/2021/rss/",
    ]:
        response = client.get(url)
        assert response.status_code == 200, url
        text = ET.tostring(ET.fromstring(response.content), encoding="unicode")
        assert "Bắc Giang đẩy mạnh chuyển đổi số" in text, url


def test_control_characters_never_reach_the_archive(tmp_path, db):
    import json

    from articles.importer.pipeline import import_paths

    (tmp_path / "ctl.txt").write_text(
        "Bắc Giang\x08 tổ chức hội nghị chuyển đổi số\n\n"
        "Sở TT&TT Bắc Giang\x1b tổ chức hội nghị về chuyển đổi số\ufffe năm 2021.\n",
        encoding="utf-8",
    )
    record = {"title": "Hội nghị\u0000 về\u0008 bưu chính", "text": "Bưu điện\u0000 tỉnh."}
    (tmp_path / "ctl.jsonl").write_text(json.dumps(record) + "\n", encoding="utf-8")
    report = import_paths([tmp_path], update_index=False)

    assert report.skipped == []
    from_text = Article.objects.get(source_file="ctl.txt")
    assert from_text.title == "Bắc Giang tổ chức hội nghị chuyển đổi số"
    assert from_text.body == "Sở TT&TT Bắc Giang tổ chức hội nghị về chuyển đổi số năm 2021."
    from_json = Article.objects.get(source_file="ctl.jsonl")
    assert (from_json.title, from_json.body) == ("Hội nghị về bưu chính", "Bưu điện tỉnh.")

    from_text.title = "Sửa\x07 trong trang quản trị"
    from_text.save()
    from_text.refresh_from_db()
    assert from_text.title == "Sửa trong trang quản trị"
