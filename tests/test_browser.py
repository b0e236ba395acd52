"""A reader's path through the portal in a real headless Chromium."""

from __future__ import annotations

import datetime as dt
import xml.etree.ElementTree as ET
from urllib.parse import parse_qs, urlsplit

import pytest
from browser_support import (
    CHROMIUM,
    DESKTOP,
    LAUNCH_ARGS,
    PHONE,
    screenshot,
    skip_without_chromium,
)

pytestmark = [
    pytest.mark.browser,
    skip_without_chromium,
    # The live server reads what the test writes: the data must be committed.
    pytest.mark.django_db(transaction=True),
]


@pytest.fixture
def browser(archive, live_server):
    """Chromium, started once the test data is written and stopped before
    it is flushed: Playwright's sync API runs an event loop in this thread,
    and the ORM must not run beside it."""
    from playwright.sync_api import sync_playwright

    with sync_playwright() as playwright:
        chromium = playwright.chromium.launch(
            executable_path=str(CHROMIUM), args=LAUNCH_ARGS, headless=True
        )
        yield chromium
        chromium.close()


@pytest.fixture
def archive(make_article, rebuild_index):
    start = dt.date(2009, 1, 1)
    for n in range(14):
        make_article(
            f"Bắc Giang chuyển đổi số ở huyện thứ {n + 1}",
            "Sở Thông tin và Truyền thông Bắc Giang hướng dẫn chuyển đổi số cho cán bộ xã, "
            "triển khai dịch vụ công trực tuyến và một cửa điện tử.",
            province="bac-giang",
            fields=("cntt",),
            date=start + dt.timedelta(days=200 * n),
        )
        make_article(
            f"Bắc Ninh chuyển đổi số trong doanh nghiệp, đợt {n + 1}",
            "Các doanh nghiệp Bắc Ninh được hỗ trợ chuyển đổi số và ứng dụng "
            "công nghệ thông tin trong sản xuất.\n\nHội nghị có sự tham gia của Sở TT&TT.",
            province="bac-ninh",
            fields=("cntt", "vien-thong"),
            date=start + dt.timedelta(days=200 * n + 50),
            byline="Hữu Thắng - Sở TT&TT Bắc Ninh",
            source="mic.gov.vn",
        )
    for n in range(6):
        make_article(
            f"Hà Nội phát triển hạ tầng viễn thông {n + 1}",
            "Chuyển đổi số cần hạ tầng viễn thông: thêm trạm BTS và cáp quang.",
            province="ha-noi",
            fields=("vien-thong",),
            date=start + dt.timedelta(days=300 * n),
        )
    make_article(
        "Đắk Nông ứng dụng công nghệ thông tin",
        "Trong tháng 10/2008, tỉnh triển khai chuyển đổi số ở cấp xã.",
        province="dak-nong",
        fields=("cntt",),
        date=dt.date(2008, 10, 1),
        precision="month",
    )
    rebuild_index()


def params(url: str) -> dict[str, list[str]]:
    return parse_qs(urlsplit(url).query)


def test_search_filter_page_sort_read_and_subscribe(browser, live_server):
    context = browser.new_context(viewport=DESKTOP, locale="vi-VN")
    page = context.new_page()
    errors: list[str] = []
    page.on("pageerror", lambda error: errors.append(str(error)))

    page.goto(live_server.url + "/")
    assert page.locator("h1").inner_text() == "Tin ICT các tỉnh, thành phố"
    screenshot(page, "home-desktop")

    # Search from the home page's box.
    page.get_by_label("Tìm trong kho bài viết").fill("chuyển đổi số")
    with page.expect_navigation():
        page.get_by_role("button", name="Tìm kiếm").click()
    assert urlsplit(page.url).path == "/tim-kiem/"
    assert "Tìm thấy 35 bài viết" in page.locator(".summary").inner_text()

    # Two provinces and a field: each checkbox applies at once.
    for box in ("#f-province-bac-giang", "#f-province-bac-ninh", "#f-field-vien-thong"):
        with page.expect_navigation():
            page.locator(box).click()
    state = params(page.url)
    assert state["province"] == ["bac-giang", "bac-ninh"]
    assert state["field"] == ["vien-thong"]
    # Bắc Giang's articles are CNTT only: the field leaves Bắc Ninh's 14.
    assert "Tìm thấy 14 bài viết" in page.locator(".summary").inner_text()
    assert page.locator("#f-province-bac-giang").is_checked()
    # Keyboard users keep their place: the last checkbox has the focus again.
    assert page.evaluate("document.activeElement.id") == "f-field-vien-thong"
    assert page.locator("#f-field-vien-thong").is_checked()
    # Within a facet the choices add up (OR): drop the field and both show.
    with page.expect_navigation():
        page.locator("#f-field-vien-thong").click()
    assert "Tìm thấy 28 bài viết" in page.locator(".summary").inner_text()
    with page.expect_navigation():
        page.locator("#f-field-cntt").click()
    assert "Tìm thấy 28 bài viết" in page.locator(".summary").inner_text()
    assert page.locator(".chip").count() == 4  # 2 provinces, 1 field, "remove all"
    screenshot(page, "search-desktop")

    # The next page.
    with page.expect_navigation():
        page.get_by_role("link", name="Trang sau ›").click()
    assert params(page.url)["page"] == ["2"]
    assert page.locator(".result").count() == 8
    assert "hiển thị 21–28" in page.locator(".summary").inner_text()

    # Oldest first: back to page one, first result is the oldest.
    with page.expect_navigation():
        page.get_by_role("navigation", name="Sắp xếp").get_by_role("link", name="Cũ nhất").click()
    state = params(page.url)
    assert state["sort"] == ["oldest"] and "page" not in state
    first = page.locator(".result h3 a").first
    assert first.inner_text() == "Bắc Giang chuyển đổi số ở huyện thứ 1"

    # Open it.
    title = first.inner_text()
    with page.expect_navigation():
        first.click()
    assert page.locator("h1").inner_text() == title
    assert "01/01/2009" in page.locator(".facts").inner_text()
    assert "từ 01/07/2025 thuộc Bắc Ninh" in page.locator(".facts").inner_text()
    screenshot(page, "article-desktop")

    # Subscribe to the search: the page's RSS link answers with a feed.
    page.go_back()
    feed_href = page.locator(".follow a", has_text="RSS").get_attribute("href")
    assert urlsplit(feed_href).path == "/tim-kiem/rss/"
    response = page.request.get(live_server.url + feed_href)
    assert response.ok
    assert "xml" in response.headers["content-type"]
    items = ET.fromstring(response.body()).find("channel").findall("item")
    assert len(items) == 28
    assert items[0].findtext("title") == "Bắc Ninh chuyển đổi số trong doanh nghiệp, đợt 14"

    # A listing page links its own feeds.
    page.goto(live_server.url + "/tinh/bac-ninh/")
    atom = page.locator(".follow a", has_text="Atom").get_attribute("href")
    response = page.request.get(live_server.url + atom)
    assert response.ok and "atom+xml" in response.headers["content-type"]

    assert errors == []
    context.close()


def test_filters_work_without_javascript(browser, live_server):
    context = browser.new_context(viewport=DESKTOP, java_script_enabled=False)
    page = context.new_page()
    page.goto(live_server.url + "/tim-kiem/?q=chuy%E1%BB%83n+%C4%91%E1%BB%95i+s%E1%BB%91")
    page.locator("#f-province-ha-noi").check()
    page.locator("#f-province-dak-nong").check()
    page.get_by_label("Từ năm").fill("2008")
    page.get_by_label("Đến năm").fill("2010")
    with page.expect_navigation():
        page.get_by_role("button", name="Áp dụng bộ lọc").click()
    state = params(page.url)
    assert state["province"] == ["ha-noi", "dak-nong"]
    assert state["tu_nam"] == ["2008"] and state["den_nam"] == ["2010"]
    # Hà Nội: 2009, 2009, 2010; Đắk Nông: 2008.
    assert "Tìm thấy 4 bài viết" in page.locator(".summary").inner_text()
    context.close()


def test_phone_layout(browser, live_server):
    context = browser.new_context(
        viewport=PHONE, device_scale_factor=2, is_mobile=True, has_touch=True
    )
    page = context.new_page()
    page.goto(live_server.url + "/")
    screenshot(page, "home-phone", full_page=False)

    page.goto(live_server.url + "/tim-kiem/?q=chuyen+doi+so&province=bac-ninh")
    # Results first: the filters start folded on a small screen.
    filters = page.locator("details.filters")
    assert filters.get_attribute("open") is None
    assert page.locator(".result").first.is_visible()
    screenshot(page, "search-phone", full_page=False)
    # Nothing is wider than the screen.
    width = page.evaluate("document.documentElement.scrollWidth")
    assert width <= PHONE["width"]

    page.locator("details.filters > summary").click()
    assert page.locator("#f-province-bac-ninh").is_visible()
    screenshot(page, "search-phone-filters", full_page=False)
    # Choosing a filter keeps them unfolded on the next page.
    with page.expect_navigation():
        page.locator("#f-province-ha-noi").click()
    assert params(page.url)["province"] == ["bac-ninh", "ha-noi"]
    assert filters.get_attribute("open") is not None

    page.locator(".result h3 a").first.click()
    page.wait_for_load_state()
    assert page.evaluate("document.documentElement.scrollWidth") <= PHONE["width"]
    screenshot(page, "article-phone", full_page=False)

    page.goto(live_server.url + "/tim-kiem/?q=kh%C3%B4ng+c%C3%B3+g%C3%AC+c%E1%BA%A3&field=bao-chi")
    assert "Không tìm thấy bài viết nào" in page.locator(".summary").inner_text()
    screenshot(page, "empty-phone", full_page=False)
    context.close()


def test_pages_run_under_the_content_security_policy(browser, live_server):
    """The strict policy blocks nothing the pages need: Chromium reports every
    violation on the console, and the script's enhancements still run."""
    context = browser.new_context(viewport=DESKTOP)
    page = context.new_page()
    messages: list[str] = []
    page.on("console", lambda message: messages.append(message.text))
    page.on("pageerror", lambda error: messages.append(str(error)))
    for path in [
        "/",
        "/tim-kiem/?q=chuy%E1%BB%83n+%C4%91%E1%BB%95i+s%E1%BB%91",
        "/do-phu/",
        "/tinh/bac-ninh/",
        "/khong-co-trang-nay/",
    ]:
        response = page.goto(live_server.url + path)
        assert "script-src 'self'" in response.headers["content-security-policy"]
        # site.js marks the page once it has run.
        assert page.evaluate("document.documentElement.classList.contains('js')"), path
    page.goto(live_server.url + "/")
    page.locator(".result a, .latest a, main a").first.click()
    page.wait_for_load_state()
    assert [m for m in messages if "Content Security Policy" in m or "Refused" in m] == []
    bar = page.goto(live_server.url + "/")
    assert bar.ok
    width = page.evaluate("document.querySelector('.histogram__bar').getBoundingClientRect().width")
    assert width > 0
    context.close()
