"""Production behaviour: errors leave a trace and answer in Vietnamese (or
JSON for the API), the HTTPS switch passes Django's deployment checks, the
default key fails closed, every response carries a Content-Security-Policy,
and links never repeat more of a request than was searched."""

from __future__ import annotations

import datetime as dt
import json
import logging
import os
import subprocess
import sys
from io import StringIO
from pathlib import Path

import pytest
from django.utils import timezone

REPO = Path(__file__).resolve().parents[1]
MANAGE = [sys.executable, str(REPO / "manage.py")]


def run_manage(args: list[str], tmp_path: Path, **env: str) -> subprocess.CompletedProcess:
    base = {
        k: v
        for k, v in os.environ.items()
        if k not in {"SECRET_KEY", "DEBUG", "DJANGO_SETTINGS_MODULE"}
        and not k.startswith("PORTAL_")
    }
    base.update(
        {"PORTAL_DATA_DIR": str(tmp_path / "data"), "DJANGO_SETTINGS_MODULE": "portal.settings"}
    )
    base.update(env)
    return subprocess.run(
        [*MANAGE, *args], env=base, cwd=REPO, capture_output=True, text=True, timeout=120
    )


# -- errors -------------------------------------------------------------------


@pytest.mark.django_db
def test_api_failure_answers_json_and_logs_the_traceback(client, monkeypatch, caplog):
    def broken(params):
        raise ZeroDivisionError("simulated fault")

    monkeypatch.setattr("articles.api.run_search", broken)

    with caplog.at_level(logging.ERROR):
        response = client.get("/api/search", {"q": "bưu chính"})

    assert response.status_code == 500
    assert response["Content-Type"].startswith("application/json")
    assert "error" in json.loads(response.content)
    failure = next(r for r in caplog.records if r.levelno == logging.ERROR)
    assert failure.exc_info and failure.exc_info[0] is ZeroDivisionError


@pytest.mark.slow
def test_a_500_page_is_vietnamese_and_its_traceback_reaches_the_log(tmp_path):
    script = (
        "import django; django.setup()\n"
        "from django.test import Client\n"
        "from django.core.management import call_command\n"
        "call_command('migrate', verbosity=0)\n"
        "import articles.views\n"
        "def broken(params): raise ZeroDivisionError('simulated fault')\n"
        "articles.views.run_search = broken\n"
        "response = Client(raise_request_exception=False).get('/tim-kiem/', {'q': 'x'})\n"
        "print(response.status_code)\n"
        "print(response.content.decode())\n"
    )
    env = {
        k: v for k, v in os.environ.items() if k not in {"DEBUG"} and not k.startswith("PORTAL_")
    }
    env.update(
        PORTAL_DATA_DIR=str(tmp_path / "data"),
        DJANGO_SETTINGS_MODULE="portal.settings",
        SECRET_KEY="a-real-looking-key-" + "x" * 40,
    )
    done = subprocess.run(
        [sys.executable, "-c", script], env=env, cwd=REPO, capture_output=True, text=True
    )

    assert done.stdout.splitlines()[0] == "500"
    assert "Xin lỗi, máy chủ gặp sự cố" in done.stdout
    assert "Traceback" in done.stderr and "ZeroDivisionError: simulated fault" in done.stderr


@pytest.mark.django_db
def test_a_missing_page_is_answered_in_vietnamese(client):
    response = client.get("/bai-viet/khong-co-bai-nay/")

    assert response.status_code == 404
    assert "Không tìm thấy trang này" in response.content.decode()


# -- settings -----------------------------------------------------------------


@pytest.mark.slow
def test_https_switch_passes_every_deployment_check(tmp_path):
    done = run_manage(
        ["check", "--deploy", "--fail-level", "WARNING"],
        tmp_path,
        SECRET_KEY="a-real-production-key-" + "Zq8" * 20,
        DEBUG="0",
        ALLOWED_HOSTS="tinict.example.vn",
        PORTAL_HTTPS="1",
    )
    assert done.returncode == 0, done.stderr
    assert "no issues" in done.stdout


@pytest.mark.slow
def test_without_https_the_deployment_check_warns(tmp_path):
    done = run_manage(
        ["check", "--deploy", "--fail-level", "WARNING"],
        tmp_path,
        SECRET_KEY="a-real-production-key-" + "Zq8" * 20,
        ALLOWED_HOSTS="tinict.example.vn",
    )
    assert done.returncode != 0
    assert "security.W004" in done.stderr and "security.W008" in done.stderr


@pytest.mark.slow
def test_no_secret_key_fails_closed_outside_debug(tmp_path):
    refused = run_manage(["check"], tmp_path)
    assert refused.returncode != 0
    assert "SECRET_KEY is not set" in refused.stderr

    debugging = run_manage(["check"], tmp_path, DEBUG="1")
    assert debugging.returncode == 0, debugging.stderr

    key_file = tmp_path / "data" / "secret_key"
    key_file.write_text("a-key-written-by-scripts-serve-" + "y" * 30)
    from_file = run_manage(["check"], tmp_path)
    assert from_file.returncode == 0, from_file.stderr


@pytest.mark.slow
def test_https_switch_settings_behind_a_proxy(tmp_path):
    script = (
        "from django.conf import settings as s; import json; print(json.dumps(["
        "s.SECURE_SSL_REDIRECT, s.SESSION_COOKIE_SECURE, s.CSRF_COOKIE_SECURE,"
        " s.SECURE_HSTS_SECONDS, list(s.SECURE_PROXY_SSL_HEADER)]))"
    )
    done = run_manage(
        ["shell", "-v", "0", "-c", script],
        tmp_path,
        SECRET_KEY="k" * 50,
        PORTAL_HTTPS="1",
        PORTAL_HSTS_SECONDS="600",
        PORTAL_BEHIND_PROXY="1",
    )
    assert done.returncode == 0, done.stderr
    assert json.loads(done.stdout) == [True, True, True, 600, ["HTTP_X_FORWARDED_PROTO", "https"]]


@pytest.mark.django_db
def test_behind_a_proxy_https_requests_are_not_redirected(client, settings):
    settings.SECURE_SSL_REDIRECT = True
    settings.SECURE_PROXY_SSL_HEADER = ("HTTP_X_FORWARDED_PROTO", "https")

    assert client.get("/moi-nhat/").status_code == 301
    assert client.get("/moi-nhat/", HTTP_X_FORWARDED_PROTO="https").status_code == 200


@pytest.mark.django_db
def test_every_page_carries_a_content_security_policy(client, admin_client):
    page = client.get("/moi-nhat/")
    policy = page["Content-Security-Policy"]
    assert "script-src 'self'" in policy and "style-src 'self';" in policy
    assert "unsafe-inline" not in policy
    assert "object-src 'none'" in policy and "frame-ancestors 'none'" in policy

    admin = admin_client.get("/admin/articles/article/")
    assert admin.status_code == 200
    assert "script-src 'self'" in admin["Content-Security-Policy"]


@pytest.mark.django_db
def test_pages_hold_no_inline_script_or_style(client, make_article, rebuild_index):
    make_article("Bắc Giang chuyển đổi số", province="bac-giang", fields=("cntt",))
    rebuild_index()
    for url in ["/", "/tim-kiem/?q=chuyển đổi số", "/do-phu/", "/tinh/bac-giang/"]:
        html = client.get(url).content.decode()
        assert "style=" not in html and "<style" not in html, url
        scripts = html.count("<script")
        assert scripts == html.count("<script src=") + html.count(
            '<script type="application/ld+json"'
        ), url


# -- links --------------------------------------------------------------------


@pytest.mark.django_db
def test_links_do_not_repeat_a_huge_query_or_unknown_parameters(client, make_article):
    make_article("Bắc Giang chuyển đổi số", province="bac-giang", fields=("cntt",))
    normal = client.get("/tim-kiem/", {"q": "chuyển đổi số"})
    huge = client.get("/tim-kiem/", {"q": "chuyển đổi số " + "x" * 4000, "junk": "y" * 4000})

    assert huge.status_code == 200
    html = huge.content.decode()
    assert "y" * 100 not in html
    assert "x" * 500 not in html
    assert len(huge.content) < len(normal.content) + 20_000


# -- a damaged index ------------------------------------------------------------------


def _delete_terms(folder: Path) -> None:
    for path in folder.glob("*.trm"):
        path.unlink()


def _empty_contents(folder: Path) -> None:
    for path in folder.glob("_MAIN_*.toc"):
        path.write_bytes(b"")


def _corrupt_postings(folder: Path) -> None:
    for path in folder.glob("*.trm"):
        path.write_bytes(b"\x00\xff" * (path.stat().st_size // 2 + 8))


@pytest.mark.django_db
@pytest.mark.parametrize("damage", [_delete_terms, _empty_contents, _corrupt_postings])
def test_a_damaged_index_answers_503_and_says_why(client, make_article, index_now, caplog, damage):
    from django.core.management import CommandError, call_command

    from articles.search.engines import get_engine

    with index_now:
        article = make_article("Quảng Ngãi đẩy mạnh chuyển đổi số", province="quang-ngai")
    engine = get_engine()
    damage(engine.path)
    engine.close()  # as a restarted worker would, opening the damaged files

    with caplog.at_level(logging.ERROR, logger="articles.search"):
        page = client.get("/tim-kiem/", {"q": "chuyển đổi số"})
    assert page.status_code == 503 and page["Retry-After"]
    assert "Tìm kiếm tạm thời chưa dùng được" in page.content.decode()
    assert any("Search unavailable" in r.getMessage() for r in caplog.records)
    api = client.get("/api/search", {"q": "chuyển đổi số"})
    assert api.status_code == 503 and "error" in api.json()
    # Pages that need no search keep working.
    assert client.get(article.get_absolute_url()).status_code == 200

    with pytest.raises(CommandError, match="bị hỏng"):
        call_command("sync_index", "--dry-run")


def _flip_posting_bytes(folder: Path) -> None:
    """A few bytes changed inside the posting lists, as a failing disk does."""
    for path in folder.glob("*.pst"):
        data = bytearray(path.read_bytes())
        for at in range(len(data) // 3, len(data) // 3 + 6):
            data[at] ^= 0x01
        path.write_bytes(bytes(data))


@pytest.mark.django_db
def test_postings_damaged_without_a_decoding_error_are_found_by_the_check(
    client, make_article, index_now
):
    from django.core.management import CommandError, call_command

    from articles.search.engines import get_engine

    with index_now:
        for n in range(12):
            make_article(f"Bài {n}: chuyển đổi số ở Quảng Ngãi", province="quang-ngai")
    out = StringIO()
    call_command("sync_index", "--dry-run", stdout=out)
    assert "khớp" in out.getvalue()  # edits committed one by one check out whole

    engine = get_engine()
    _flip_posting_bytes(engine.path)
    engine.close()
    # Search still answers: nothing fails to decode, the damage is silent ...
    assert client.get("/tim-kiem/", {"q": "chuyển đổi số"}).status_code == 200
    # ... until the check reads the files back.
    for check in (["--dry-run"], []):  # the repair refuses too: it would hide the damage
        with pytest.raises(CommandError, match=r"bị hỏng: tệp MAIN_\w+\.pst .*sai tổng kiểm"):
            call_command("sync_index", *check)


# -- limits on heavy requests and on logins ----------------------------------------------


@pytest.mark.django_db
def test_exports_beyond_the_slots_wait_with_429(client, make_article, index_now, settings):
    from articles import limits

    with index_now:
        make_article("Bài để xuất")
    settings.PORTAL_EXPORT_SLOTS = 2
    held = [limits.take_slot("export", 2) for _ in range(2)]
    assert all(held)  # what two exports in other workers would hold
    busy = client.get("/tim-kiem/xuat.csv")
    assert busy.status_code == 429 and int(busy["Retry-After"]) > 0
    assert "thử lại" in busy.content.decode()
    held.pop().close()
    done = client.get("/tim-kiem/xuat.csv")
    assert done.status_code == 200
    assert "Bài để xuất" in b"".join(done.streaming_content).decode()
    # The finished export gave its slot back.
    again = limits.take_slot("export", 2)
    assert again is not None
    again.close()
    held.pop().close()


@pytest.mark.django_db
def test_admin_logins_are_throttled_after_repeated_failures(client, django_user_model, settings):
    from articles.models import LoginFailure

    settings.PORTAL_LOGIN_MAX_FAILURES = 5
    django_user_model.objects.create_superuser("bientap", "b@example.vn", "mat-khau-dung-1")
    for _ in range(5):
        wrong = client.post("/admin/login/", {"username": "bientap", "password": "sai"})
        assert wrong.status_code == 200  # the form again, with its error
    refused = client.post("/admin/login/", {"username": "bientap", "password": "mat-khau-dung-1"})
    assert refused.status_code == 429 and int(refused["Retry-After"]) > 0
    assert "Đăng nhập sai quá nhiều lần" in refused.content.decode()

    # Once the window has passed, the right password gets in and clears the count.
    LoginFailure.objects.update(at=timezone.now() - dt.timedelta(hours=1))
    allowed = client.post("/admin/login/", {"username": "bientap", "password": "mat-khau-dung-1"})
    assert allowed.status_code == 302
    assert not LoginFailure.objects.filter(username="bientap").exists()
