"""Discovery: sitemap, OpenSearch, suggestions, structured data, coverage grid."""

from __future__ import annotations

import datetime as dt
import json
import re
import xml.etree.ElementTree as ET
from html.parser import HTMLParser
from urllib.parse import parse_qs, urlsplit

import pytest
from django.template import Context, Template
from django.test import RequestFactory
from django.urls import resolve, reverse
from django.utils import timezone

from articles.discovery import coverage_grid
from articles.models import Article, Status
from articles.suggest import forget, suggestions

pytestmark = pytest.mark.django_db

SITEMAP_NS = {"sm": "http://www.sitemaps.org/schemas/sitemap/0.9"}
OPENSEARCH_NS = {"os": "http://a9.com/-/spec/opensearch/1.1/"}


@pytest.fixture(autouse=True)
def _fresh_suggestions():
    # Suggestions keep titles for a minute; each test starts from its own data.
    forget()
    yield
    forget()


def set_updated(article: Article, when: dt.datetime) -> None:
    Article.objects.filter(pk=article.pk).update(updated_at=when)


def aware(*args) -> dt.datetime:
    return timezone.make_aware(dt.datetime(*args))


# -- sitemap ------------------------------------------------------------------


def sitemap_entries(client) -> dict[str, str | None]:
    """Every address of every sitemap the index at /sitemap.xml points to."""
    response = client.get("/sitemap.xml")
    assert response.status_code == 200
    index = ET.fromstring(response.content)
    sections = [loc.text for loc in index.findall("sm:sitemap/sm:loc", SITEMAP_NS)]
    assert sections
    entries = {}
    for section in sections:
        response = client.get(urlsplit(section).path)
        assert response.status_code == 200
        root = ET.fromstring(response.content)
        for url in root.findall("sm:url", SITEMAP_NS):
            lastmod = url.find("sm:lastmod", SITEMAP_NS)
            loc = url.find("sm:loc", SITEMAP_NS).text
            entries[loc] = None if lastmod is None else lastmod.text
    return entries


def test_sitemap_lists_published_articles_with_their_last_edit(client, make_article):
    shown = make_article("Bắc Giang khai trương trung tâm dữ liệu", province="bac-giang")
    hidden = make_article("Bài đã ẩn", province="bac-giang", status=Status.HIDDEN)
    merged = make_article("Bài trùng", province="bac-giang", duplicate_of=shown)
    set_updated(shown, aware(2024, 3, 5, 10, 0))

    entries = sitemap_entries(client)

    url = f"http://testserver/bai-viet/{shown.slug}/"
    assert entries[url] == "2024-03-05"
    assert f"http://testserver/bai-viet/{hidden.slug}/" not in entries
    assert f"http://testserver/bai-viet/{merged.slug}/" not in entries


def test_sitemap_lists_listing_pages_dated_by_their_newest_article(client, make_article):
    old = make_article("Tin cũ", province="bac-giang", fields=("cntt",), date=dt.date(2010, 5, 1))
    new = make_article(
        "Tin mới", province="bac-giang", fields=("vien-thong",), date=dt.date(2012, 1, 1)
    )
    other = make_article("Tin Hà Nội", province="ha-noi", date=dt.date(2010, 7, 1))
    make_article("Tin ẩn ở Cà Mau", province="ca-mau", status=Status.HIDDEN)
    set_updated(old, aware(2020, 1, 1, 8, 0))
    set_updated(new, aware(2022, 6, 15, 8, 0))
    set_updated(other, aware(2021, 2, 2, 8, 0))

    entries = sitemap_entries(client)

    assert entries["http://testserver/tinh/bac-giang/"] == "2022-06-15"
    assert entries["http://testserver/tinh/ha-noi/"] == "2021-02-02"
    # A province whose only article is hidden has nothing to list.
    assert "http://testserver/tinh/ca-mau/" not in entries
    assert "http://testserver/tinh/lao-cai/" not in entries
    assert entries["http://testserver/nam/2010/"] == "2021-02-02"
    assert entries["http://testserver/nam/2012/"] == "2022-06-15"
    assert "http://testserver/nam/2011/" not in entries
    assert entries["http://testserver/linh-vuc/cntt/"] == "2020-01-01"
    assert entries["http://testserver/linh-vuc/vien-thong/"] == "2022-06-15"
    assert entries["http://testserver/moi-nhat/"] == "2022-06-15"


# -- OpenSearch ---------------------------------------------------------------


def test_opensearch_description_points_the_browser_at_search_and_suggest(client):
    response = client.get("/opensearch.xml")

    assert response.status_code == 200
    assert response["Content-Type"].startswith("application/opensearchdescription+xml")
    root = ET.fromstring(response.content)
    short_name = root.find("os:ShortName", OPENSEARCH_NS).text
    assert short_name and len(short_name) <= 16
    assert root.find("os:InputEncoding", OPENSEARCH_NS).text == "UTF-8"
    assert "Sở Thông tin và Truyền thông" in root.find("os:Description", OPENSEARCH_NS).text
    templates = {u.get("type"): u.get("template") for u in root.findall("os:Url", OPENSEARCH_NS)}
    expected = {
        "text/html": "articles:search",
        "application/x-suggestions+json": "articles:api-suggest",
        "application/json": "articles:api-search",
    }
    for content_type, route in expected.items():
        parts = urlsplit(templates[content_type])
        assert (parts.scheme, parts.netloc) == ("http", "testserver")
        assert parts.path == reverse(route)
        assert parts.query == "q={searchTerms}"


# -- suggestions --------------------------------------------------------------


def test_suggestions_ignore_diacritics_and_put_provinces_first(make_article):
    make_article("Bắc Giang gặp mặt báo chí đầu xuân", province="bac-giang")

    found = suggestions("bac g")

    assert found[0] == "Bắc Giang"
    assert "Bắc Giang gặp mặt báo chí đầu xuân" in found
    assert not {"Bắc Kạn", "Bắc Ninh", "Bạc Liêu"} & set(found)
    assert "Đắk Nông" in suggestions("dak n")
    assert "TP. Hồ Chí Minh" in suggestions("tphcm")


def test_title_suggestions_match_at_word_starts_only(make_article):
    make_article("Bắc Ninh chuyển đổi số trong cơ quan nhà nước")
    make_article("Truyền thông cơ sở ở vùng cao")
    make_article("Chuyển mạch bị ẩn", status=Status.HIDDEN)

    assert suggestions("chuyen") == ["Bắc Ninh chuyển đổi số trong cơ quan nhà nước"]
    assert suggestions("truyen thong") == ["Truyền thông cơ sở ở vùng cao"]
    # "uyen" is inside "chuyển" and "truyền", at the start of no word.
    assert suggestions("uyen") == []
    assert suggestions("   ") == []


def test_new_article_is_suggested_at_once(make_article):
    assert suggestions("mang 5g") == []
    make_article("Mạng 5G phủ sóng khu công nghiệp")
    assert suggestions("mang 5g") == ["Mạng 5G phủ sóng khu công nghiệp"]


def test_suggest_endpoint_answers_in_opensearch_format(client, make_article):
    make_article("Hậu Giang triển khai chữ ký số", province="hau-giang")

    response = client.get("/api/suggest", {"q": "hau giang"})

    assert response.status_code == 200
    query, completions = response.json()
    assert query == "hau giang"
    assert completions[:2] == ["Hậu Giang", "Hậu Giang triển khai chữ ký số"]


# -- structured data ----------------------------------------------------------


def render_head_meta(article: Article) -> str:
    request = RequestFactory().get(article.get_absolute_url())
    template = Template("{% load article_meta %}{% article_meta article %}")
    return template.render(Context({"article": article, "request": request}))


def json_ld(html: str) -> dict:
    scripts = re.findall(r'<script type="application/ld\+json">(.*?)</script>', html, re.S)
    assert len(scripts) == 1
    return json.loads(scripts[0])


@pytest.mark.parametrize(
    ("precision", "expected"),
    [("day", "2008-10-17"), ("month", "2008-10"), ("year", "2008")],
)
def test_json_ld_date_keeps_the_known_precision(make_article, precision, expected):
    article = make_article("Tin tháng mười", date=dt.date(2008, 10, 17), precision=precision)
    assert json_ld(render_head_meta(article))["datePublished"] == expected


def test_json_ld_describes_the_news_article(make_article):
    article = make_article(
        "Bắc Giang: hội nghị về chuyển đổi số",
        "Sở TT&TT Bắc Giang tổ chức hội nghị.",
        province="bac-giang",
        fields=("cntt", "bao-chi"),
        byline="Ngụy Phan Sơn",
        source_url="https://bacgiang.gov.vn/tin/123",
    )
    data = json_ld(render_head_meta(article))

    url = f"http://testserver/bai-viet/{article.slug}/"
    assert data["@type"] == "NewsArticle"
    assert data["headline"] == "Bắc Giang: hội nghị về chuyển đổi số"
    assert data["inLanguage"] == "vi"
    assert data["url"] == url
    assert data["mainEntityOfPage"]["@id"] == url
    assert data["author"] == {"@type": "Person", "name": "Ngụy Phan Sơn"}
    assert data["publisher"]["name"] == "Sở TT&TT Bắc Giang"
    assert data["sourceOrganization"]["name"] == "Sở TT&TT Bắc Giang"
    assert data["contentLocation"]["name"] == "Bắc Giang"
    assert data["contentLocation"]["containedInPlace"]["name"] == "Việt Nam"
    assert data["locationCreated"]["name"] == "Bắc Giang"
    assert data["isBasedOn"] == "https://bacgiang.gov.vn/tin/123"


def test_json_ld_names_the_recorded_source_and_leaves_out_the_unknown(make_article):
    article = make_article("Tin từ Bộ", source="mic.gov.vn", date=None)
    data = json_ld(render_head_meta(article))
    assert data["publisher"]["name"] == "mic.gov.vn"
    assert not {"datePublished", "author", "isBasedOn", "contentLocation"} & set(data)


def test_json_ld_names_the_department_as_it_was_called_then(make_article):
    before = make_article("Tin 2007", province="hau-giang", date=dt.date(2007, 1, 30))
    after = make_article("Tin 2025", province="hau-giang", date=dt.date(2025, 4, 2))
    assert json_ld(render_head_meta(before))["publisher"]["name"] == "Sở BCVT Hậu Giang"
    assert json_ld(render_head_meta(after))["publisher"]["name"] == "Sở KH&CN Hậu Giang"


def test_json_ld_cannot_break_out_of_its_script_element(make_article):
    title = 'Tin </script><script>alert("x")</script> & <!-- chú thích'
    html = render_head_meta(make_article(title))
    assert "<script>alert" not in html
    assert "<!--" not in html
    assert json_ld(html)["name"] == title


def test_head_meta_has_canonical_and_open_graph(make_article):
    article = make_article(
        'Khánh Hòa nâng cấp mạng "4G"', province="khanh-hoa", date=dt.date(2011, 7, 19)
    )
    html = render_head_meta(article)

    url = f"http://testserver/bai-viet/{article.slug}/"
    assert f'<link rel="canonical" href="{url}">' in html
    assert f'<meta property="og:url" content="{url}">' in html
    assert '<meta property="og:type" content="article">' in html
    assert '<meta property="og:locale" content="vi_VN">' in html
    assert '<meta property="og:title" content="Khánh Hòa nâng cấp mạng &quot;4G&quot;">' in html
    assert '<meta property="article:published_time" content="2011-07-19">' in html
    assert 'property="og:description"' in html


# -- coverage -----------------------------------------------------------------


class TableReader(HTMLParser):
    """Rows of the page's table: [(tag, scope, text, href)] per <tr>."""

    def __init__(self) -> None:
        super().__init__()
        self.rows: list[list[tuple[str, str, str, str]]] = []
        self.cell: list | None = None

    def handle_starttag(self, tag, attrs):
        attrs = dict(attrs)
        if tag == "tr":
            self.rows.append([])
        elif tag in {"th", "td"}:
            self.cell = [tag, attrs.get("scope", ""), "", ""]
        elif tag == "a" and self.cell is not None and not self.cell[3]:
            self.cell[3] = attrs.get("href", "")

    def handle_endtag(self, tag):
        if tag in {"th", "td"} and self.cell is not None:
            self.cell[2] = " ".join(self.cell[2].split())
            self.rows[-1].append(tuple(self.cell))
            self.cell = None

    def handle_data(self, data):
        if self.cell is not None:
            self.cell[2] += data


@pytest.fixture
def coverage_articles(make_article):
    for _ in range(2):
        make_article("Tin Bắc Giang 2010", province="bac-giang", date=dt.date(2010, 3, 1))
    make_article(
        "Tin Bắc Giang 2012", province="bac-giang", date=dt.date(2012, 1, 1), precision="year"
    )
    make_article("Tin Hà Nội 2008", province="ha-noi", date=dt.date(2008, 9, 1), precision="month")
    make_article("Ẩn", province="bac-giang", date=dt.date(2010, 3, 1), status=Status.HIDDEN)
    make_article("Không rõ tỉnh", date=dt.date(2010, 3, 1))
    make_article("Không rõ ngày", province="ha-noi", date=None)


def test_coverage_grid_counts_published_articles_per_province_and_year(coverage_articles):
    grid = coverage_grid()

    assert grid.years == [2008, 2009, 2010, 2011, 2012]
    rows = {row.province.slug: row for group in grid.regions for row in group.rows}
    assert [c.count for c in rows["bac-giang"].cells] == [0, 0, 2, 0, 1]
    assert [c.count for c in rows["ha-noi"].cells] == [1, 0, 0, 0, 0]
    assert rows["bac-giang"].total == 3
    assert grid.total == 4
    assert grid.undated_or_unplaced == 2
    # Every province gets a row, so gaps show.
    assert len(rows) >= 63


def test_coverage_page_is_a_table_whose_cells_link_to_the_search(client, coverage_articles):
    response = client.get("/do-phu/")
    assert response.status_code == 200
    reader = TableReader()
    reader.feed(response.content.decode())

    header = reader.rows[0]
    assert [cell[2] for cell in header[1:-1]] == ["2008", "2009", "2010", "2011", "2012"]
    assert all(cell[:2] == ("th", "col") for cell in header)
    assert any(row and row[0][1] == "rowgroup" for row in reader.rows)

    by_name = {row[0][2]: row for row in reader.rows if row and row[0][1] == "row"}
    bac_giang = by_name["Bắc Giang"]
    assert [cell[2] for cell in bac_giang[1:]] == ["0", "0", "2", "0", "1", "3"]
    assert bac_giang[1][3] == ""  # an empty cell links nowhere
    link = urlsplit(bac_giang[3][3])
    assert resolve(link.path).view_name == "articles:search"
    assert parse_qs(link.query) == {"province": ["bac-giang"], "year": ["2010"]}
    assert "2 bài chưa rõ tỉnh hoặc năm" in response.content.decode()


def test_coverage_page_with_an_empty_archive(client):
    response = client.get("/do-phu/")
    assert response.status_code == 200
    assert "Kho chưa có bài" in response.content.decode()
