"""Bad files are skipped with a one-line reason; the good ones still import."""

from __future__ import annotations

import json
import os
import subprocess
import sys
from pathlib import Path

import pytest
from django.core.management import CommandError, call_command
from django.test import override_settings

from articles.importer.errors import FileTooLarge
from articles.importer.pipeline import import_paths
from articles.importer.reading import read_text_file
from articles.models import Article

pytestmark = pytest.mark.django_db

REPO = Path(__file__).resolve().parents[1]

GOOD = """Sở TT&TT Bắc Ninh tập huấn an toàn thông tin năm 2015

Thứ hai, 16/03/2015 09:00

Sở Thông tin và Truyền thông tỉnh Bắc Ninh tổ chức lớp tập huấn về an toàn thông tin \
cho cán bộ chuyên trách CNTT của các sở, ngành.

Học viên được hướng dẫn sử dụng phần mềm phòng chống mã độc và quản trị mạng.

Minh Anh - Sở TT&TT Bắc Ninh
"""


def write(folder: Path, name: str, content: bytes | str) -> Path:
    path = folder / name
    path.write_bytes(content.encode("utf-8") if isinstance(content, str) else content)
    return path


@pytest.fixture
def mixed_folder(tmp_path):
    folder = tmp_path / "incoming"
    folder.mkdir()
    write(folder, "good.txt", GOOD)
    write(folder, "empty.txt", b"")
    write(folder, "blank.txt", b"  \r\n\t\n\xc2\xa0\n")
    write(folder, "binary.txt", b"\x89PNG\r\n\x1a\n\x00\x00\x00\rIHDR" + bytes(range(256)))
    # Invalid UTF-8 that is not Windows-1258 either (0x81 and 0x8d are unassigned there).
    write(folder, "undecodable.txt", b"Ti\xeau \x81\x8d\x8f\x90 \x9d\xff\xfe text\n\nmore\n")
    write(folder, "headless.txt", "17/07/2014 10:25\n\nĐoạn văn không có tiêu đề.\n")
    write(folder, "title-only.txt", "Chỉ có tiêu đề mà không có nội dung\n")
    lines = [
        json.dumps({"title": "Hà Giang phủ sóng 3G", "body": "Các trạm BTS mới phủ sóng 3G."}),
        '{"title": "Dòng hỏng", "body": ',
        json.dumps(["not", "an", "object"]),
        json.dumps({"province": "Hà Giang"}),
    ]
    write(folder, "feed.jsonl", "\n".join(lines) + "\n")
    write(folder, "photo.png", b"\x89PNG\r\n")
    write(folder, "manifest.json", "{}")
    return folder


def reasons(report) -> dict[str, str]:
    return {skipped.source: skipped.reason for skipped in report.skipped}


def test_each_bad_file_is_skipped_with_its_reason(mixed_folder):
    report = import_paths([mixed_folder], update_index=False)

    got = reasons(report)
    assert got["empty.txt"] == "empty file"
    assert got["blank.txt"] == "empty file (only whitespace)"
    assert got["binary.txt"].startswith("binary file")
    assert got["undecodable.txt"].startswith("undecodable text")
    assert "headless.txt" not in got  # no headline: imported, titled from its text
    assert got["title-only.txt"] == "no body text after the headline"
    assert got["feed.jsonl line 2"].startswith("invalid JSON (")
    assert got["feed.jsonl line 3"] == "not a JSON object but list"
    assert got["feed.jsonl line 4"] == "no title or text"
    assert got["photo.png"] == "not an article file (.png)"
    assert "manifest.json" not in got and report.ignored == ["manifest.json"]
    assert all("\n" not in reason for reason in got.values())


def test_good_files_in_the_same_run_are_imported(mixed_folder):
    report = import_paths([mixed_folder], update_index=False)

    assert report.imported == 3
    headless = Article.objects.get(source_file="headless.txt")
    assert headless.title == "Đoạn văn không có tiêu đề"
    assert headless.date.isoformat() == "2014-07-17"
    assert "no headline on the page: title made from the first sentence" in (
        headless.review_reasons
    )
    good = Article.objects.get(source_file="good.txt")
    assert good.title == "Sở TT&TT Bắc Ninh tập huấn an toàn thông tin năm 2015"
    assert good.byline == "Minh Anh - Sở TT&TT Bắc Ninh"
    assert good.date.isoformat() == "2015-03-16"
    line = Article.objects.get(source_file="feed.jsonl")
    assert line.source_item == 1
    assert line.province.name == "Hà Giang"
    assert set(line.fields.values_list("code", flat=True)) == {"vien-thong"}
    assert Article.objects.count() == 3


def test_oversized_file_is_refused(tmp_path):
    write(tmp_path, "good.txt", GOOD)
    write(tmp_path, "big.txt", GOOD + "Thêm một đoạn văn rất dài. " * 200)
    with override_settings(PORTAL_IMPORT_MAX_BYTES=2000):
        report = import_paths([tmp_path], update_index=False)
    assert reasons(report)["big.txt"].startswith("file too large (")
    assert report.imported == 1


def test_size_is_checked_before_the_file_is_read(tmp_path, monkeypatch):
    big = tmp_path / "huge.txt"
    with big.open("wb") as handle:
        handle.truncate(50 * 1024 * 1024)  # sparse: costs no disk

    def refuse_to_open(*args, **kwargs):
        raise AssertionError("the file was opened")

    monkeypatch.setattr(Path, "open", refuse_to_open)
    with pytest.raises(FileTooLarge, match=r"file too large \(50\.0 MB, limit 5\.0 MB\)"):
        read_text_file(big, max_bytes=5 * 1024 * 1024)


def test_missing_path_is_reported(tmp_path):
    report = import_paths([tmp_path / "nowhere"], update_index=False)
    assert reasons(report) == {str(tmp_path / "nowhere"): "no such file or folder"}


def test_command_prints_reasons_and_fails(mixed_folder, capsys):
    with pytest.raises(CommandError, match="skipped"):
        call_command("import_articles", str(mixed_folder), "--no-index")
    captured = capsys.readouterr()
    assert "skipped empty.txt: empty file" in captured.err
    assert "skipped feed.jsonl line 2: invalid JSON (" in captured.err
    assert "3 imported" in captured.out
    assert Article.objects.filter(source_file="good.txt").exists()


def test_command_succeeds_when_nothing_is_skipped(tmp_path, capsys):
    write(tmp_path, "good.txt", GOOD)
    call_command("import_articles", str(tmp_path), "--no-index")
    assert "1 imported" in capsys.readouterr().out


@pytest.mark.slow
def test_exit_status_is_non_zero_from_the_shell(mixed_folder, tmp_path):
    env = {
        key: value
        for key, value in os.environ.items()
        if key not in {"DATABASE_URL", "WHOOSH_INDEX_PATH"}
    }
    env["PORTAL_DATA_DIR"] = str(tmp_path / "data")
    manage = [sys.executable, str(REPO / "manage.py")]
    subprocess.run([*manage, "migrate", "-v0"], env=env, check=True, cwd=REPO)

    done = subprocess.run(
        [*manage, "import_articles", str(mixed_folder)],
        env=env,
        cwd=REPO,
        capture_output=True,
        text=True,
    )

    assert done.returncode == 1
    assert "skipped binary.txt: binary file" in done.stderr
    assert "3 imported" in done.stdout
    good = tmp_path / "incoming-good"
    good.mkdir()
    write(good, "good.txt", GOOD)
    again = subprocess.run(
        [*manage, "import_articles", str(good)], env=env, cwd=REPO, capture_output=True
    )
    assert again.returncode == 0


def test_wrong_typed_json_values_are_skipped_line_by_line(tmp_path):
    good = {"title": "Hà Giang phủ sóng 3G", "body": "Các trạm BTS mới phủ sóng 3G."}
    lines = [
        json.dumps({**good, "fields": 5}),
        "[" * 100_000 + "]" * 100_000,
        '{"title": NaN, "text": Infinity}',
        json.dumps({**good, "title": ["list"]}),
        json.dumps({**good, "url": 7}),
        json.dumps({**good, "date": {"y": 2016}}),
        json.dumps({**good, "fields": ["cntt", 3]}),
        json.dumps(good),
    ]
    write(tmp_path, "typed.jsonl", "\n".join(lines) + "\n")

    report = import_paths([tmp_path], update_index=False)

    got = reasons(report)
    assert got["typed.jsonl line 1"] == "'fields' must be a string or a list of strings"
    assert got["typed.jsonl line 2"] == "invalid JSON (nested too deeply)"
    assert got["typed.jsonl line 3"] == "invalid JSON (NaN is not a JSON value)"
    assert got["typed.jsonl line 4"] == "'title' must be a string, not a list"
    assert got["typed.jsonl line 5"] == "'url' must be a string, not a number"
    assert got["typed.jsonl line 6"] == "'date' must be a string or a year, not an object"
    assert got["typed.jsonl line 7"] == "'fields' must be a string or a list of strings"
    assert report.imported == 1
    assert list(Article.objects.values_list("title", flat=True)) == [good["title"]]


def test_a_url_that_is_not_a_web_address_is_not_kept(tmp_path):
    record = {"title": "Hà Giang phủ sóng 3G", "body": "Các trạm BTS mới phủ sóng 3G."}
    write(tmp_path, "feed.jsonl", json.dumps({**record, "url": "javascript:alert(1)"}) + "\n")

    import_paths([tmp_path], update_index=False)

    article = Article.objects.get()
    assert article.source_url == ""
    assert any("not a web address" in reason for reason in article.review_reasons)


def test_an_unexpected_error_costs_one_file_and_the_run_goes_on(tmp_path, monkeypatch, capsys):
    from articles.importer import preparing

    folder = tmp_path / "in"
    folder.mkdir()
    for name in ("a.txt", "b.txt", "c.txt"):
        write(folder, name, GOOD.replace("năm 2015", f"năm 2015 ({name})"))
    real = preparing.extract_articles

    def fails_on_b(text, **kwargs):
        if "(b.txt)" in text:
            raise TypeError("unforeseen input")
        return real(text, **kwargs)

    monkeypatch.setattr(preparing, "extract_articles", fails_on_b)

    with pytest.raises(CommandError, match="1 file"):
        call_command("import_articles", str(folder), "--no-index")

    captured = capsys.readouterr()
    assert "skipped b.txt: internal error (TypeError: unforeseen input)" in captured.err
    assert "3 files read: 2 imported" in captured.out
    assert sorted(Article.objects.values_list("source_file", flat=True)) == ["a.txt", "c.txt"]


@pytest.mark.parametrize("encoding", ["utf-16-le", "utf-16-be"])
def test_utf16_without_a_byte_order_mark_is_read(tmp_path, encoding):
    write(tmp_path, "no-bom.txt", GOOD.encode(encoding))

    report = import_paths([tmp_path], update_index=False)

    assert report.skipped == []
    assert Article.objects.get().title == "Sở TT&TT Bắc Ninh tập huấn an toàn thông tin năm 2015"
