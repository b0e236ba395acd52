"""Reader pages: home, search with facets, listings, the article page."""

from __future__ import annotations

import datetime as dt
from html.parser import HTMLParser
from urllib.parse import parse_qs, urlsplit

import pytest
from django.http import QueryDict
from django.template import Context, Template
from django.test import RequestFactory

from articles.models import Article, IctField, Status


class Page(HTMLParser):
    """The bits of a page the tests look at: links, checkboxes, headings, text."""

    def __init__(self, html: str) -> None:
        super().__init__()
        self.links: list[tuple[str, str, dict]] = []  # (href, text, attrs)
        self.checked: dict[str, list[str]] = {}
        self.checkboxes: dict[tuple[str, str], dict] = {}
        self.inputs: dict[str, str] = {}
        self.headings: list[int] = []
        self._open_links: list[list] = []
        self.feed(html)

    def handle_starttag(self, tag, attrs):
        attrs = dict(attrs)
        if tag == "a":
            self._open_links.append([attrs.get("href", ""), "", attrs])
        elif tag == "input" and attrs.get("type") == "checkbox":
            self.checkboxes[(attrs["name"], attrs["value"])] = attrs
            if "checked" in attrs:
                self.checked.setdefault(attrs["name"], []).append(attrs["value"])
        elif tag == "input" and attrs.get("id"):
            self.inputs[attrs["id"]] = attrs.get("value", "")
        elif tag in {"h1", "h2", "h3", "h4"}:
            self.headings.append(int(tag[1]))

    def handle_endtag(self, tag):
        if tag == "a" and self._open_links:
            href, text, attrs = self._open_links.pop()
            self.links.append((href, " ".join(text.split()), attrs))

    def handle_data(self, data):
        for link in self._open_links:
            link[1] += data

    def link(self, text: str) -> str:
        """The href of the first link with this text (else starting with it)."""
        for href, link_text, _ in self.links:
            if link_text == text:
                return href
        for href, link_text, _ in self.links:
            if link_text.startswith(text):
                return href
        raise AssertionError(f"no link {text!r} in {[t for _, t, _ in self.links]}")

    def links_with_class(self, css_class: str) -> list[tuple[str, str]]:
        return [
            (href, text)
            for href, text, attrs in self.links
            if css_class in attrs.get("class", "").split()
        ]


def query_of(href: str) -> dict[str, list[str]]:
    return parse_qs(urlsplit(href).query)


def get_page(client, url: str, **params) -> tuple[Page, str]:
    response = client.get(url, params)
    assert response.status_code == 200, (url, response.status_code)
    html = response.content.decode()
    return Page(html), html


@pytest.fixture
def archive(make_article, rebuild_index):
    articles = {
        "bg": make_article(
            "Bắc Giang đẩy mạnh chuyển đổi số",
            "Sở Thông tin và Truyền thông Bắc Giang triển khai chuyển đổi số trong các "
            "cơ quan nhà nước.\n\nNăm nay tỉnh hoàn thành trung tâm dữ liệu.",
            province="bac-giang",
            fields=("cntt",),
            date=dt.date(2021, 3, 5),
        ),
        "bn": make_article(
            "Bắc Ninh phát triển hạ tầng viễn thông",
            "Các doanh nghiệp viễn thông lắp thêm trạm BTS phục vụ chuyển đổi số.",
            province="bac-ninh",
            fields=("vien-thong", "cntt"),
            date=dt.date(2019, 7, 19),
        ),
        "hg": make_article(
            "Hậu Giang kiểm tra dịch vụ bưu chính",
            "Đoàn kiểm tra dịch vụ bưu chính công ích tại các huyện.",
            province="hau-giang",
            fields=("buu-chinh",),
            date=dt.date(2014, 7, 17),
        ),
        "dn": make_article(
            "Đắk Nông ứng dụng công nghệ thông tin",
            "Trong tháng 10/2008, tỉnh triển khai chuyển đổi số ở cấp xã.\n\n"
            "Hệ thống một cửa điện tử được mở rộng.",
            province="dak-nong",
            fields=("cntt",),
            date=dt.date(2008, 10, 1),
            precision="month",
            byline="Ngụy Phan Sơn – Sở TT&TT Đắk Nông",
            source="mic.gov.vn",
            source_url="https://mic.gov.vn/tin/123",
            source_file="seeds/003.txt",
            source_item=2,
        ),
    }
    rebuild_index()
    return articles


# Home ------------------------------------------------------------------------


def test_home_lists_latest_articles_provinces_years_and_fields(client, archive):
    page, html = get_page(client, "/")
    titles = [text for _, text, _ in page.links]
    # Newest first.
    assert titles.index("Bắc Giang đẩy mạnh chuyển đổi số") < titles.index(
        "Đắk Nông ứng dụng công nghệ thông tin"
    )
    assert page.link("Bắc Giang") == "/tinh/bac-giang/"
    # Provinces with the unit they belong to since 2025, and their counts.
    assert "→ nay thuộc Bắc Ninh" in html
    assert "→ nay thuộc Lâm Đồng" in html
    assert 'href="/tinh/dak-nong/">Đắk Nông</a>\n          <span class="count">1</span>' in html
    assert "Trung du và miền núi phía Bắc" in html and "Tây Nguyên" in html
    # Years as a histogram linking to the year pages.
    assert page.link("2019") == "/nam/2019/"
    assert page.link("2008") == "/nam/2008/"
    # The four fields with counts.
    assert page.link("Công nghệ thông tin") == "/linh-vuc/cntt/"
    assert 'href="/linh-vuc/cntt/">Công nghệ thông tin</a> <span class="count">3 bài</span>' in html


def test_every_page_has_the_site_frame(client, archive):
    page, html = get_page(client, "/")
    assert '<html lang="vi">' in html
    assert 'class="skip-link" href="#noi-dung"' in html
    assert 'rel="search" type="application/opensearchdescription+xml"' in html
    assert page.link("Độ phủ") == "/do-phu/"
    assert page.headings[0] == 1 and page.headings.count(1) == 1


# Search ----------------------------------------------------------------------


def test_search_highlights_and_counts(client, archive):
    page, html = get_page(client, "/tim-kiem/", q="chuyển đổi số")
    assert "Tìm thấy <strong>3</strong> bài viết" in html
    assert "<mark>chuyển</mark> <mark>đổi</mark>" in html
    assert page.link("Bắc Giang đẩy mạnh") == archive["bg"].get_absolute_url()
    # Province with its post-2025 unit and the fields beside each result.
    assert "(nay thuộc Bắc Ninh)" in html
    assert "Hậu Giang kiểm tra" not in html


def test_search_without_diacritics_finds_the_same(client, archive):
    _, html = get_page(client, "/tim-kiem/", q="chuyen doi so")
    assert "Tìm thấy <strong>3</strong> bài viết" in html


def test_facets_are_labelled_checkboxes_with_counts(client, archive):
    page, html = get_page(client, "/tim-kiem/", q="chuyển đổi số")
    assert ("province", "bac-giang") in page.checkboxes
    assert ("province", "hau-giang") not in page.checkboxes  # no match there
    assert '<label for="f-field-cntt">' in html
    # CNTT: all three matches; viễn thông: one.
    assert (
        'Công nghệ thông tin</span> <span class="count">3<span class="visually-hidden"> bài' in html
    )
    assert 'Viễn thông</span> <span class="count">1<span class="visually-hidden"> bài' in html
    assert "<legend>Tỉnh, thành phố</legend>" in html
    assert "<legend>Lĩnh vực</legend>" in html
    assert "<legend>Năm</legend>" in html


def test_several_values_in_a_facet_are_or_and_facets_are_and(client, archive):
    _, html = get_page(client, "/tim-kiem/?province=bac-giang&province=hau-giang")
    assert "Tìm thấy <strong>2</strong> bài viết" in html
    assert "Bắc Giang đẩy mạnh" in html and "Hậu Giang kiểm tra" in html

    page, html = get_page(client, "/tim-kiem/?province=bac-giang&province=hau-giang&field=cntt")
    assert "Tìm thấy <strong>1</strong> bài viết" in html
    assert "Hậu Giang kiểm tra" not in html
    assert sorted(page.checked["province"]) == ["bac-giang", "hau-giang"]
    assert page.checked["field"] == ["cntt"]
    # The province counts ignore the province filter itself: choosing another
    # province would add its articles.
    assert ("province", "bac-ninh") in page.checkboxes


def test_chips_remove_one_filter_each(client, archive):
    page, _ = get_page(
        client, "/tim-kiem/?q=chuyển&province=bac-giang&province=bac-ninh&field=cntt&page=1"
    )
    chips = dict((text.split(" ×")[0], href) for href, text in page.links_with_class("chip"))
    assert query_of(chips["Bắc Giang"]) == {
        "q": ["chuyển"],
        "province": ["bac-ninh"],
        "field": ["cntt"],
    }
    assert query_of(chips["Công nghệ thông tin"]) == {
        "q": ["chuyển"],
        "province": ["bac-giang", "bac-ninh"],
    }
    # "Remove all" keeps the words.
    assert query_of(chips["Bỏ tất cả bộ lọc"]) == {"q": ["chuyển"]}


def test_year_range_filters_and_shows_as_chip(client, archive):
    page, html = get_page(client, "/tim-kiem/?tu_nam=2015&den_nam=2020")
    assert "Tìm thấy <strong>1</strong> bài viết" in html
    assert "Bắc Ninh phát triển" in html
    assert page.inputs["tu_nam"] == "2015" and page.inputs["den_nam"] == "2020"
    chips = dict((text.split(" ×")[0], href) for href, text in page.links_with_class("chip"))
    assert query_of(chips["Từ năm 2015"]) == {"den_nam": ["2020"]}


def test_sorting(client, archive):
    page, html = get_page(client, "/tim-kiem/", q="chuyển đổi số", sort="oldest")
    assert (
        html.index("Đắk Nông ứng dụng")
        < html.index("Bắc Ninh phát triển")
        < html.index("Bắc Giang đẩy mạnh")
    )
    # The header's "Mới nhất" is the latest page; the sort link carries the sort.
    newest = next(href for href, text, _ in page.links if text == "Mới nhất" and "sort=" in href)
    assert query_of(newest) == {"q": ["chuyển đổi số"], "sort": ["newest"]}
    _, html = get_page(client, f"/tim-kiem/{newest}")
    assert html.index("Bắc Giang đẩy mạnh") < html.index("Đắk Nông ứng dụng")


def test_relevance_sort_is_offered_only_with_words(client, archive):
    page, _ = get_page(client, "/tim-kiem/", province="bac-giang")
    assert not any("sort=relevance" in href for href, _, _ in page.links)
    page, _ = get_page(client, "/tim-kiem/", q="viễn thông")
    assert any("sort=relevance" in href for href, _, _ in page.links)


def test_paging(client, make_article, rebuild_index):
    for n in range(25):
        make_article(
            f"Tin viễn thông số {n}",
            province="ha-noi",
            date=dt.date(2010, 1, 1) + dt.timedelta(days=n),
        )
    rebuild_index()
    page, html = get_page(client, "/tim-kiem/", q="viễn thông", province="ha-noi")
    assert "hiển thị 1–20" in html
    next_href = page.link("Trang sau")
    assert query_of(next_href) == {"q": ["viễn thông"], "province": ["ha-noi"], "page": ["2"]}
    page2, html = get_page(client, f"/tim-kiem/{next_href}")
    assert "hiển thị 21–25" in html
    assert html.count('class="result"') == 5
    # Page 1 is the plain address, without page=1.
    assert query_of(page2.link("‹ Trang trước")) == {"q": ["viễn thông"], "province": ["ha-noi"]}
    # Changing a filter returns to the first page.
    chip = page2.links_with_class("chip")[0][0]
    assert "page" not in query_of(chip)
    # A page past the end explains itself instead of failing.
    _, html = get_page(client, "/tim-kiem/", q="viễn thông", page="9")
    assert "Trang 9 không có kết quả" in html


def test_a_deep_link_restores_the_whole_state(client, archive):
    url = (
        "/tim-kiem/?q=chuyển+đổi&province=bac-giang&province=dak-nong"
        "&field=cntt&tu_nam=2005&sort=oldest"
    )
    page, html = get_page(client, url)
    assert page.inputs["q"] == "chuyển đổi"
    assert sorted(page.checked["province"]) == ["bac-giang", "dak-nong"]
    assert page.checked["field"] == ["cntt"]
    assert page.inputs["tu_nam"] == "2005"
    assert '<input type="hidden" name="sort" value="oldest">' in html
    assert html.index("Đắk Nông ứng dụng") < html.index("Bắc Giang đẩy mạnh")
    # The feed of this search carries the same filters.
    rss = page.link("RSS")
    assert urlsplit(rss).path == "/tim-kiem/rss/"
    assert query_of(rss)["province"] == ["bac-giang", "dak-nong"]


def test_no_results_page_helps(client, archive):
    page, html = get_page(client, "/tim-kiem/", q="chuyển đổi số", province="hau-giang")
    assert "Không tìm thấy bài viết nào" in html
    assert "Gợi ý" in html
    remove = page.link("tìm lại mà không lọc")
    assert query_of(remove) == {"q": ["chuyển đổi số"]}


def test_offers_the_diacritic_spelling(client, archive):
    page, html = get_page(client, "/tim-kiem/", q="bưu chinh cong ich")
    assert "Có phải bạn muốn tìm" not in html  # typed with some diacritics
    page, html = get_page(client, "/tim-kiem/", q="buu chinh cong ich")
    assert "Có phải bạn muốn tìm" in html
    assert query_of(page.link("bưu chính công ích")) == {"q": ["bưu chính công ích"]}


def test_offers_to_filter_by_a_province_named_in_the_query(client, archive):
    page, html = get_page(client, "/tim-kiem/", q="viễn thông Bắc Ninh")
    assert "Lọc theo tỉnh" in html
    offer = next(href for href, text, _ in page.links if text == "Bắc Ninh" and "province" in href)
    assert query_of(offer) == {"q": ["viễn thông Bắc Ninh"], "province": ["bac-ninh"]}


@pytest.mark.parametrize(
    "query",
    [
        '"chuyển đổi',
        "chuyển đổi số" * 200,
        "a\x00b\x07c\u200b\ufeff",
        "<script>alert(1)</script>",
        "-",
        '"" - + ( ) * ? : ^ ~',
        "AND OR NOT",
    ],
)
def test_strange_queries_never_fail_and_are_escaped(client, archive, query):
    response = client.get(
        "/tim-kiem/", {"q": query, "page": "x", "province": "<b>", "year": "99999"}
    )
    assert response.status_code == 200
    html = response.content.decode()
    assert "<script>alert" not in html
    assert "<b>" not in html


def test_invalid_utf8_in_the_address_does_not_fail(client, archive):
    response = client.get("/tim-kiem/?q=%ED%A0%80%FF%C3&province=%FF")
    assert response.status_code == 200


def test_strange_filter_values_are_ignored(client, archive):
    _, html = get_page(client, "/tim-kiem/?province=khong-co&year=abc&field=cntt&sort=bad&tu_nam=x")
    assert "Tìm thấy <strong>3</strong> bài viết" in html


# Listings --------------------------------------------------------------------


def test_province_listing(client, archive):
    page, html = get_page(client, "/tinh/bac-giang/")
    assert "<h1>Tin ICT Bắc Giang</h1>" in html
    assert "Từ 01/07/2025, địa bàn này thuộc <strong>Bắc Ninh</strong>" in html
    assert page.checked["province"] == ["bac-giang"]
    assert "Bắc Giang đẩy mạnh" in html and "Bắc Ninh phát triển" not in html
    assert (
        '<link rel="alternate" type="application/rss+xml" title="Tin ICT Bắc Giang (RSS)" '
        'href="/tinh/bac-giang/rss/">' in html
    )
    assert (
        'type="application/atom+xml" title="Tin ICT Bắc Giang (Atom)" href="/tinh/bac-giang/atom/"'
        in html
    )
    assert page.link("RSS") == "/tinh/bac-giang/rss/"
    assert page.link("Atom") == "/tinh/bac-giang/atom/"
    # Removing the province the page is about leads to the search page.
    chip = page.links_with_class("chip")[0][0]
    assert urlsplit(chip).path == "/tim-kiem/" and "province" not in query_of(chip)


def test_province_listing_keeps_other_filters(client, archive):
    page, html = get_page(client, "/tinh/bac-ninh/?field=vien-thong")
    assert "Tìm thấy <strong>1</strong> bài viết" in html
    chips = dict((text.split(" ×")[0], href) for href, text in page.links_with_class("chip"))
    # Removing the field stays on the province page.
    assert chips["Viễn thông"] == "?"
    assert query_of(chips["Bắc Ninh"]) == {"field": ["vien-thong"]}


def test_field_year_and_latest_listings(client, archive):
    page, html = get_page(client, "/linh-vuc/buu-chinh/")
    assert "Hậu Giang kiểm tra" in html and "Bắc Giang đẩy mạnh" not in html
    assert page.checked["field"] == ["buu-chinh"]
    assert page.link("RSS") == "/linh-vuc/buu-chinh/rss/"

    page, html = get_page(client, "/nam/2008/")
    assert "Đắk Nông ứng dụng" in html and "Bắc Giang đẩy mạnh" not in html
    assert page.checked["year"] == ["2008"]
    assert page.link("Atom") == "/nam/2008/atom/"

    page, html = get_page(client, "/moi-nhat/")
    positions = [html.index(archive[key].title) for key in ("bg", "bn", "hg", "dn")]
    assert positions == sorted(positions)
    assert page.link("RSS") == "/rss/"


def test_unknown_listings_are_404(client, archive):
    assert client.get("/tinh/khong-co-tinh-nay/").status_code == 404
    assert client.get("/linh-vuc/nong-nghiep/").status_code == 404
    assert client.get("/nam/1950/").status_code == 404


# Article page ----------------------------------------------------------------


def test_article_page(client, archive):
    article = archive["dn"]
    page, html = get_page(client, article.get_absolute_url())
    assert "<h1>Đắk Nông ứng dụng công nghệ thông tin</h1>" in html
    assert '<time datetime="2008-10">tháng 10/2008</time>' in html
    assert "(từ 01/07/2025 thuộc Lâm Đồng)" in html
    assert page.link("Công nghệ thông tin") == "/linh-vuc/cntt/"
    assert "Ngụy Phan Sơn – Sở TT&amp;TT Đắk Nông" in html
    assert page.link("mic.gov.vn") == "https://mic.gov.vn/tin/123"
    assert "<code>seeds/003.txt</code>, mục 2" in html
    assert "<p>Trong tháng 10/2008, tỉnh triển khai chuyển đổi số ở cấp xã.</p>" in html
    assert "<p>Hệ thống một cửa điện tử được mở rộng.</p>" in html
    assert html.count('<script type="application/ld+json">') == 1
    assert html.count('<link rel="canonical"') == 1
    assert page.headings[0] == 1


def test_related_articles_share_province_or_fields(client, archive, make_article):
    hidden = make_article(
        "Bài ẩn về chuyển đổi số", province="bac-giang", fields=("cntt",), status=Status.HIDDEN
    )
    _, html = get_page(client, archive["bg"].get_absolute_url())
    related = html.split('id="h-related"')[1]
    # CNTT articles, nearest in date first; not the postal one, not hidden ones.
    assert related.index("Bắc Ninh phát triển") < related.index("Đắk Nông ứng dụng")
    assert "Hậu Giang kiểm tra" not in related
    assert hidden.title not in related
    assert archive["bg"].title not in related


def test_duplicate_redirects_to_the_kept_article(client, archive, make_article):
    duplicate = make_article("Bắc Giang đẩy mạnh chuyển đổi số (bản đăng lại)")
    Article.objects.filter(pk=duplicate.pk).update(duplicate_of=archive["bg"])
    response = client.get(duplicate.get_absolute_url())
    assert response.status_code == 301
    assert response["Location"] == archive["bg"].get_absolute_url()


def test_hidden_and_unknown_articles_are_404(client, archive):
    Article.objects.filter(pk=archive["hg"].pk).update(status=Status.HIDDEN)
    assert client.get(archive["hg"].get_absolute_url()).status_code == 404
    assert client.get("/bai-viet/khong-co-bai-nay/").status_code == 404


def test_user_text_is_escaped_on_the_article_page(client, make_article):
    article = make_article(
        "<img src=x onerror=alert(1)> tiêu đề", "Đoạn <script>alert(1)</script> hết."
    )
    html = client.get(article.get_absolute_url()).content.decode()
    assert "<img src=x" not in html and "<script>alert" not in html
    assert "&lt;script&gt;alert(1)&lt;/script&gt;" in html


def test_facet_labels_follow_an_edit_and_are_escaped(client, archive):
    client.get("/tim-kiem/")  # the reference lists are now cached
    field = IctField.objects.get(code="cntt")
    field.name = "CNTT <b>mới</b>"
    field.save()
    html = client.get("/tim-kiem/").content.decode()
    assert "CNTT &lt;b&gt;mới&lt;/b&gt;" in html
    assert "<b>mới</b>" not in html


def test_results_page_reads_the_database_a_fixed_number_of_times(
    client, archive, make_article, rebuild_index, django_assert_max_num_queries
):
    for n in range(25):
        make_article(f"Hội nghị chuyển đổi số lần {n}", province="bac-ninh", fields=("cntt",))
    rebuild_index()
    client.get("/tim-kiem/?q=chuyển+đổi+số")  # reference lists cached
    with django_assert_max_num_queries(3):
        html = client.get("/tim-kiem/?q=chuyển+đổi+số").content.decode()
    assert html.count('class="result"') == 20
    assert html.count('class="tag" href="/linh-vuc/cntt/"') >= 20


# Query-string tags -----------------------------------------------------------


def render_with(query: str, template: str, **context) -> str:
    request = RequestFactory().get("/tim-kiem/?" + query)
    return Template("{% load portal %}" + template).render(Context({"request": request, **context}))


def test_querystring_sets_replaces_and_removes():
    assert render_with("q=a&page=3", "{% querystring page=4 %}") == "?q=a&amp;page=4"
    assert render_with("q=a&page=3", "{% querystring page=None %}") == "?q=a"
    assert render_with("q=a", "{% querystring q=None %}") == "?"
    state = QueryDict("province=x", mutable=True)
    assert render_with("q=a", "{% querystring state sort='newest' %}", state=state) == (
        "?province=x&amp;sort=newest"
    )


def test_toggle_adds_or_removes_one_value_and_resets_the_page():
    assert render_with("province=a&page=2", "{% toggle 'province' 'b' %}") == (
        "?province=a&amp;province=b"
    )
    assert render_with("province=a&province=b&page=2", "{% toggle 'province' 'a' %}") == (
        "?province=b"
    )
    assert render_with("province=a,b", "{% without 'province' 'a' %}") == "?province=b"
    assert render_with("q=x&page=5", "{% refine sort='oldest' %}") == "?q=x&amp;sort=oldest"


def test_vietnamese_number_format():
    assert render_with("", "{{ n|vn_number }}", n=1234567) == "1.234.567"


def test_article_page_needs_few_queries(client, archive, django_assert_max_num_queries):
    # Related articles come from a few indexed queries, not a scan.
    with django_assert_max_num_queries(10):
        response = client.get(archive["bg"].get_absolute_url())
    assert "Bài liên quan" in response.content.decode()


def test_article_without_date_province_or_fields(client, make_article):
    article = make_article("Tin chưa phân loại", "Nội dung.", date=None)
    _, html = get_page(client, article.get_absolute_url())
    assert "<time>Không rõ ngày</time>" in html
    assert "Tỉnh, thành phố" not in html
    assert "Bài liên quan" not in html


def test_listing_of_a_province_without_articles(client, archive):
    page, html = get_page(client, "/tinh/ha-tay/")
    assert "Không tìm thấy bài viết nào" in html
    assert "Từ 01/07/2025, địa bàn này thuộc <strong>Hà Nội</strong>" in html
    assert page.link("Xem các tin mới nhất") == "/moi-nhat/"


def test_long_province_facet_folds_the_rest_but_keeps_selected_in_view(
    client, make_article, rebuild_index
):
    from articles.models import Province

    provinces = list(Province.objects.order_by("slug")[:16])
    for n, province in enumerate(provinces):
        # Decreasing counts so the order of the facet is known.
        for _ in range(20 - n):
            make_article(f"Tin {province.name}", province=province.slug)
    rebuild_index()
    last = provinces[-1].slug
    _, html = get_page(client, "/tim-kiem/", province=last)
    shown, folded = html.split("Thêm 4 tỉnh, thành phố")
    # The selected province stays in the visible part; the least common fold away.
    assert f'id="f-province-{last}"' in shown
    assert f'id="f-province-{provinces[-2].slug}"' in folded
    assert f'id="f-province-{provinces[0].slug}"' in shown
