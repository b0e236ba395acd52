"""The editors' side: what an editor does in the admin and what readers then see."""

from __future__ import annotations

import datetime as dt

import pytest
from django.contrib.admin.helpers import ACTION_CHECKBOX_NAME
from django.contrib.admin.models import CHANGE, LogEntry
from django.contrib.auth.models import Group
from django.urls import reverse

from articles.models import Abbreviation, Article, IctField, Province
from articles.search.service import SearchParams, search

pytestmark = pytest.mark.django_db

CHANGELIST = reverse("admin:articles_article_changelist")
EDITORS = "Biên tập viên"


def change_url(article: Article) -> str:
    return reverse("admin:articles_article_change", args=[article.pk])


def found(q: str = "", **filters) -> set[int]:
    return {hit.article.pk for hit in search(SearchParams(q=q, **filters)).hits}


@pytest.fixture(autouse=True)
def _plain_static_files(settings):
    # The hashed-name storage needs collectstatic's manifest, absent in tests.
    settings.STORAGES = {
        **settings.STORAGES,
        "staticfiles": {"BACKEND": "django.contrib.staticfiles.storage.StaticFilesStorage"},
    }


@pytest.fixture
def editor(django_user_model):
    user = django_user_model.objects.create_user("bientap", password="mat-khau-dai", is_staff=True)
    user.groups.add(Group.objects.get(name=EDITORS))
    return user


@pytest.fixture
def editor_client(client, editor):
    client.force_login(editor)
    return client


def act(client, action: str, articles, **data):
    """Submit a bulk action from the change list (and its form, when ``apply``)."""
    payload = {"action": action, ACTION_CHECKBOX_NAME: [a.pk for a in articles], **data}
    return client.post(CHANGELIST, payload)


def form_data(article: Article, **changes) -> dict:
    """The change form as an editor would submit it, with ``changes`` made."""
    data = {
        "title": article.title,
        "slug": article.slug,
        "byline": article.byline,
        "body": article.body,
        "date": article.date.isoformat() if article.date else "",
        "date_precision": article.date_precision,
        "province": article.province_id or "",
        "fields": [f.pk for f in article.fields.all()],
        "status": article.status,
        "duplicate_of": article.duplicate_of_id or "",
        "source": article.source,
        "source_url": article.source_url,
    }
    if article.needs_review:
        data["needs_review"] = "on"
    data.update(changes)
    return {k: v for k, v in data.items() if v is not None}


# -- bulk actions -----------------------------------------------------------


def test_publish_and_hide_change_what_readers_find(editor_client, make_article, index_now):
    with index_now:
        article = make_article("Bắc Giang khai trương trung tâm dữ liệu", status="hidden")
    assert found("trung tâm dữ liệu") == set()

    with index_now:
        response = act(editor_client, "publish_selected", [article])
    assert response.status_code == 302
    article.refresh_from_db()
    assert article.status == "published"
    assert found("trung tâm dữ liệu") == {article.pk}

    with index_now:
        act(editor_client, "hide_selected", [article])
    article.refresh_from_db()
    assert article.status == "hidden"
    assert found("trung tâm dữ liệu") == set()
    messages = LogEntry.objects.filter(object_id=str(article.pk)).values_list(
        "change_message", flat=True
    )
    assert any("Xuất bản" in m for m in messages) and any("Ẩn" in m for m in messages)


def test_set_province_asks_which_then_files_the_articles(editor_client, make_article, index_now):
    with index_now:
        first = make_article("Hội nghị chuyển đổi số cấp tỉnh")
        second = make_article("Tập huấn an toàn thông tin cấp tỉnh", province="bac-giang")

    page = act(editor_client, "set_province", [first, second])
    assert page.status_code == 200
    assert "Gán tỉnh/thành phố cho các bài đã chọn" in page.content.decode()
    assert Article.objects.filter(province__slug="dak-nong").count() == 0

    dak_nong = Province.objects.get(slug="dak-nong")
    with index_now:
        response = act(
            editor_client, "set_province", [first, second], apply="1", province=dak_nong.pk
        )
    assert response.status_code == 302
    assert set(Article.objects.filter(province=dak_nong).values_list("pk", flat=True)) == {
        first.pk,
        second.pk,
    }
    assert found("cấp tỉnh", provinces=["dak-nong"]) == {first.pk, second.pk}
    assert found("cấp tỉnh", provinces=["bac-giang"]) == set()


def test_set_province_without_a_choice_clears_it(editor_client, make_article, index_now):
    with index_now:
        article = make_article("Tin không rõ tỉnh", province="bac-giang")
        act(editor_client, "set_province", [article], apply="1", province="")
    article.refresh_from_db()
    assert article.province is None
    assert found("tin", provinces=["bac-giang"]) == set()


def test_add_and_remove_field(editor_client, make_article, index_now):
    with index_now:
        article = make_article("Phát triển mạng bưu chính công cộng", fields=("cntt",))
    postal = IctField.objects.get(code="buu-chinh")

    with index_now:
        response = act(editor_client, "add_field", [article], apply="1", field=postal.pk)
    assert response.status_code == 302
    assert set(article.fields.values_list("code", flat=True)) == {"cntt", "buu-chinh"}
    assert found("bưu chính", fields=["buu-chinh"]) == {article.pk}

    with index_now:
        act(editor_client, "remove_field", [article], apply="1", field=postal.pk)
    assert set(article.fields.values_list("code", flat=True)) == {"cntt"}
    assert found("bưu chính", fields=["buu-chinh"]) == set()
    assert found("bưu chính", fields=["cntt"]) == {article.pk}


def test_field_form_requires_a_choice(editor_client, make_article):
    article = make_article("Bài thử")
    page = act(editor_client, "add_field", [article], apply="1", field="")
    assert page.status_code == 200
    assert "errorlist" in page.content.decode()
    assert article.fields.count() == 0


def test_review_queue_lists_reasons_and_mark_reviewed_empties_it(
    editor_client, make_article, index_now
):
    original = make_article("Ra mắt cổng dịch vụ công trực tuyến", province="bac-ninh")
    flagged = make_article(
        "Ra mắt cổng dịch vụ công",
        needs_review=True,
        review_reasons=["no_province", "Ngày đăng chỉ có năm"],
        possible_duplicate_of=original,
    )
    make_article("Bài không cần xem lại")

    queue = editor_client.get(CHANGELIST, {"needs_review__exact": "1"})
    html = queue.content.decode()
    assert "Không nhận ra tỉnh/thành phố" in html
    assert "Ngày đăng chỉ có năm" in html
    assert change_url(original) in html  # the possible duplicate, as a link
    assert "Bài không cần xem lại" not in html
    # The list links to the queue with its size.
    assert "Cần xem lại: 1 bài" in editor_client.get(CHANGELIST).content.decode()

    response = act(editor_client, "mark_reviewed", [flagged])
    assert response.status_code == 302
    flagged.refresh_from_db()
    assert not flagged.needs_review
    assert flagged.review_reasons == []
    entry = LogEntry.objects.get(object_id=str(flagged.pk), action_flag=CHANGE)
    assert "Không nhận ra tỉnh/thành phố" in entry.change_message  # reasons kept in history
    queue = editor_client.get(CHANGELIST, {"needs_review__exact": "1"}).content.decode()
    assert "Ra mắt cổng dịch vụ công" not in queue


def test_change_form_shows_reasons_and_possible_duplicate(editor_client, make_article):
    original = make_article("Khánh thành trạm BTS vùng sâu")
    flagged = make_article(
        "Khánh thành trạm BTS",
        needs_review=True,
        review_reasons=["possible_duplicate"],
        possible_duplicate_of=original,
    )
    html = editor_client.get(change_url(flagged)).content.decode()
    assert "Có thể trùng với bài khác" in html
    assert f'<a href="{change_url(original)}">#{original.pk} Khánh thành trạm BTS vùng sâu' in html


def test_mark_duplicate_hides_it_and_keeps_the_chosen_article(
    editor_client, make_article, index_now
):
    with index_now:
        kept = make_article("Triển khai chữ ký số cho cán bộ", date=dt.date(2014, 7, 17))
        copy = make_article(
            "Triển khai chữ ký số cho cán bộ tỉnh",
            date=dt.date(2014, 7, 18),
            needs_review=True,
            review_reasons=["possible_duplicate"],
            possible_duplicate_of=kept,
        )
    assert found("chữ ký số") == {kept.pk, copy.pk}

    page = act(editor_client, "mark_duplicate", [kept, copy])
    assert "Bài được giữ lại" in page.content.decode()
    with index_now:
        response = act(editor_client, "mark_duplicate", [kept, copy], apply="1", kept=kept.pk)
    assert response.status_code == 302
    copy.refresh_from_db()
    kept.refresh_from_db()
    assert copy.duplicate_of == kept
    assert kept.duplicate_of is None
    assert not copy.needs_review
    assert found("chữ ký số") == {kept.pk}
    assert copy not in Article.objects.published()
    # The list tells the editor where the copy went.
    assert f'Bản trùng của <a href="{change_url(kept)}">#{kept.pk}</a>' in (
        editor_client.get(CHANGELIST).content.decode()
    )


def test_mark_duplicate_refuses_a_selection_of_only_the_kept_article(editor_client, make_article):
    article = make_article("Bài duy nhất")
    page = act(editor_client, "mark_duplicate", [article], apply="1", kept=article.pk)
    assert page.status_code == 200
    assert "Hãy chọn ít nhất một bài khác" in page.content.decode()
    article.refresh_from_db()
    assert article.duplicate_of is None


def test_unmark_duplicate_brings_the_article_back(editor_client, make_article, index_now):
    with index_now:
        kept = make_article("Hội thảo phát thanh truyền hình")
        copy = make_article("Hội thảo phát thanh truyền hình lần hai", duplicate_of=kept)
    assert found("hội thảo") == {kept.pk}
    with index_now:
        act(editor_client, "unmark_duplicate", [copy])
    assert found("hội thảo") == {kept.pk, copy.pk}


def test_change_form_refuses_a_duplicate_of_itself_or_of_a_duplicate(editor_client, make_article):
    kept = make_article("Bài gốc về Internet băng rộng")
    copy = make_article("Bản sao về Internet băng rộng", duplicate_of=kept)
    other = make_article("Bài thứ ba về Internet băng rộng")

    page = editor_client.post(change_url(other), form_data(other, duplicate_of=other.pk))
    assert "không thể là bản trùng của chính nó" in page.content.decode()
    page = editor_client.post(change_url(other), form_data(other, duplicate_of=copy.pk))
    assert f"hãy chọn bài #{kept.pk}" in page.content.decode()
    other.refresh_from_db()
    assert other.duplicate_of is None

    # Merging an article that has copies moves the copies along: no chains.
    response = editor_client.post(change_url(kept), form_data(kept, duplicate_of=other.pk))
    assert response.status_code == 302
    copy.refresh_from_db()
    assert copy.duplicate_of == other


# -- editing ------------------------------------------------------------------


def test_editing_keeps_the_imported_raw_text(editor_client, make_article, index_now):
    with index_now:
        article = make_article(
            "Sở TT&TT Hậu Giang tổng kết năm",
            raw_text="Sở TT&TT Hậu Giang tổng kết năm\nĐÁNH GIÁ BÀI VIẾT( 0)",
            fingerprint="abc123",
        )
    data = form_data(
        article,
        title="Sở TT&TT Hậu Giang tổng kết công tác năm 2014",
        raw_text="bị sửa",
        source_file="khac.txt",
        fingerprint="khac",
    )
    with index_now:
        response = editor_client.post(change_url(article), data)
    assert response.status_code == 302, response.content.decode()[:2000]
    article.refresh_from_db()
    assert article.title == "Sở TT&TT Hậu Giang tổng kết công tác năm 2014"
    assert article.raw_text == "Sở TT&TT Hậu Giang tổng kết năm\nĐÁNH GIÁ BÀI VIẾT( 0)"
    assert article.source_file.startswith("test-")
    assert article.fingerprint == "abc123"
    assert found("tong ket cong tac") == {article.pk}

    # The raw text is shown to the editor, read-only.
    html = editor_client.get(change_url(article)).content.decode()
    assert "ĐÁNH GIÁ BÀI VIẾT( 0)" in html
    assert 'name="raw_text"' not in html


def test_edit_is_recorded_in_the_history(editor_client, editor, make_article):
    article = make_article("Tiêu đề cũ")
    editor_client.post(change_url(article), form_data(article, title="Tiêu đề mới"))
    entry = LogEntry.objects.get(object_id=str(article.pk))
    assert entry.user == editor
    assert entry.action_flag == CHANGE
    history = editor_client.get(reverse("admin:articles_article_history", args=[article.pk]))
    assert "Tiêu đề" in history.content.decode()


def test_articles_typed_in_by_editors_do_not_collide(editor_client):
    for title in ("Bài nhập tay thứ nhất", "Bài nhập tay thứ hai"):
        response = editor_client.post(
            reverse("admin:articles_article_add"),
            {
                "title": title,
                "slug": "",
                "body": "Nội dung",
                "date_precision": "unknown",
                "status": "published",
            },
        )
        assert response.status_code == 302, response.content.decode()[:2000]
    articles = Article.objects.filter(title__startswith="Bài nhập tay")
    assert articles.count() == 2
    assert {a.slug for a in articles} == {"bai-nhap-tay-thu-nhat", "bai-nhap-tay-thu-hai"}


# -- search and filters in the admin ------------------------------------------


def test_admin_search_is_the_portals_search(editor_client, make_article, index_now):
    with index_now:
        target = make_article("Bắc Giang đẩy mạnh chuyển đổi số trong cơ quan nhà nước")
        it = make_article("Ứng dụng công nghệ thông tin tại UBND huyện")
        hidden = make_article("Chuyển đổi số ở xã vùng cao", status="hidden")
        make_article("Khai trương bưu cục mới")

    def titles(q: str) -> str:
        return editor_client.get(CHANGELIST, {"q": q}).content.decode()

    html = titles("chuyen doi so")
    assert target.title in html
    assert hidden.title in html  # not in the index, found by its slug
    assert "Khai trương bưu cục mới" not in html
    html = titles("CNTT")
    assert it.title in html and target.title not in html
    assert "Khai trương bưu cục mới" in titles("")


def test_odd_search_and_filter_input_is_harmless(editor_client, make_article):
    make_article("Bài bình thường")
    for params in (
        {"q": '"(( -- OR'},
        {"q": "x" * 3000},
        {"nam": "abc"},
        {"trung": "khong-co"},
        {"q": "<script>alert(1)</script>"},
    ):
        response = editor_client.get(CHANGELIST, params)
        assert response.status_code == 200, params
        assert "<script>alert(1)</script>" not in response.content.decode()


def test_year_filter_counts_and_filters(editor_client, make_article):
    make_article("Tin năm 2010", date=dt.date(2010, 2, 4))
    make_article("Tin tháng 10 năm 2008", date=dt.date(2008, 10, 1), precision="month")
    make_article("Tin khác năm 2010", date=dt.date(2010, 7, 19))
    make_article("Tin không rõ ngày", date=None)

    html = editor_client.get(CHANGELIST).content.decode()
    assert "2010 (2)" in html and "2008 (1)" in html and "Không rõ năm (1)" in html
    html = editor_client.get(CHANGELIST, {"nam": "2010"}).content.decode()
    assert "Tin năm 2010" in html and "Tin khác năm 2010" in html
    assert "Tin tháng 10 năm 2008" not in html
    html = editor_client.get(CHANGELIST, {"nam": "khong-ro"}).content.decode()
    assert "Tin không rõ ngày" in html and "Tin năm 2010" not in html


# -- reference tables -----------------------------------------------------------


def test_new_abbreviation_takes_effect_in_search(admin_client, make_article, index_now):
    with index_now:
        article = make_article("Nâng cấp hệ thống thông tin một cửa cấp xã")
    assert found("HTTT") == set()  # also loads the abbreviation table into its cache

    with index_now:
        response = admin_client.post(
            reverse("admin:articles_abbreviation_add"),
            {
                "short": "HTTT",
                "expansion": "hệ thống thông tin",
                "variants": "HT-TT\nHT&TT",
                "enabled": "on",
            },
        )
    assert response.status_code == 302
    assert Abbreviation.objects.get(short="HTTT").variants == ["HT-TT", "HT&TT"]
    assert found("HTTT") == {article.pk}
    assert found("HT-TT") == {article.pk}


def test_editor_switching_an_abbreviation_off_changes_search(
    editor_client, make_article, index_now
):
    with index_now:
        article = make_article("Ứng dụng công nghệ thông tin ở cấp huyện")
    assert found("CNTT") == {article.pk}

    cntt = Abbreviation.objects.get(short="CNTT")
    url = reverse("admin:articles_abbreviation_change", args=[cntt.pk])
    data = {"short": cntt.short, "expansion": cntt.expansion, "variants": ""}  # enabled: off
    with index_now:
        assert editor_client.post(url, data).status_code == 302
    assert found("CNTT") == set()


def test_province_variant_is_recognized_after_edit(admin_client, editor_client, index_now):
    from articles.provinces import find_provinces

    assert find_provinces("tin từ Kinh Bắc") == []  # also caches the spellings
    province = Province.objects.get(slug="bac-ninh")
    url = reverse("admin:articles_province_change", args=[province.pk])
    data = {
        "name": province.name,
        "slug": province.slug,
        "region": province.region,
        "variants": "\n".join([*province.variants, "Kinh Bắc"]),
        "unit_2025": province.unit_2025,
        "order": province.order,
    }
    assert editor_client.post(url, data).status_code == 403  # editors only read provinces

    with index_now:
        response = admin_client.post(url, data)
    assert response.status_code == 302
    assert find_provinces("tin từ Kinh Bắc") == ["Bắc Ninh"]


def test_province_admin_search_needs_no_diacritics(editor_client):
    html = editor_client.get(reverse("admin:articles_province_changelist"), {"q": "dak nong"})
    assert "Đắk Nông" in html.content.decode()
    assert "Bắc Ninh" not in html.content.decode()


# -- who may do what --------------------------------------------------------------


def test_editor_group_can_curate_but_not_manage_users():
    group = Group.objects.get(name=EDITORS)
    perms = set(group.permissions.values_list("content_type__app_label", "codename"))
    assert {
        ("articles", "add_article"),
        ("articles", "change_article"),
        ("articles", "view_article"),
        ("articles", "view_province"),
        ("articles", "change_abbreviation"),
    } <= perms
    assert not any(app == "auth" for app, _ in perms)
    assert ("articles", "delete_article") not in perms


def test_editor_reaches_articles_but_not_users(editor_client, make_article):
    article = make_article("Bài để sửa")
    assert editor_client.get(CHANGELIST).status_code == 200
    assert editor_client.get(change_url(article)).status_code == 200
    assert editor_client.get(reverse("admin:auth_user_changelist")).status_code == 403
    assert editor_client.get(reverse("admin:auth_group_changelist")).status_code == 403
    delete = reverse("admin:articles_article_delete", args=[article.pk])
    assert editor_client.post(delete, {"post": "yes"}).status_code == 403
    assert Article.objects.filter(pk=article.pk).exists()


@pytest.mark.parametrize("staff", [None, False])
def test_only_signed_in_staff_reach_the_admin(client, django_user_model, staff):
    if staff is not None:
        user = django_user_model.objects.create_user("bandoc", password="mat-khau-dai")
        client.force_login(user)
    for url in (reverse("admin:index"), CHANGELIST):
        response = client.get(url)
        assert response.status_code == 302
        assert response.url.startswith(reverse("admin:login"))


def test_reference_edits_outside_the_admin_reach_search_too(make_article, index_now):
    """Caches follow the tables through model signals, not through the admin:
    a shell session or a command that edits a table is seen by the next search."""
    from articles.provinces import find_provinces

    with index_now:
        article = make_article("Nâng cấp hệ thống quản lý văn bản điều hành")
    assert found("QLVB") == set()
    assert find_provinces("tin từ Xứ Đoài") == []

    with index_now:
        Abbreviation.objects.create(short="QLVB", expansion="quản lý văn bản", enabled=True)
        province = Province.objects.get(slug="ha-noi")
        province.variants = [*province.variants, "Xứ Đoài"]
        province.save()
    assert found("QLVB") == {article.pk}
    assert find_provinces("tin từ Xứ Đoài") == ["Hà Nội"]

    with index_now:
        Abbreviation.objects.filter(short="QLVB").delete()
    assert found("QLVB") == set()
