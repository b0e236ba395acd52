"""A full rebuild beside the serving index: search never goes blank, edits
made meanwhile survive the switch, a killed build changes nothing, and a
start on an up-to-date index does not rebuild.

Each test runs the portal's own commands in separate processes on a data
folder of its own (SQLite file and Whoosh index), as a server would.
"""

from __future__ import annotations

import contextlib
import fcntl
import json
import os
import signal
import subprocess
import sys
import time
from pathlib import Path

import pytest

from tests.processes import finish as _finish
from tests.processes import run_script

REPO = Path(__file__).resolve().parents[1]

pytestmark = pytest.mark.slow

SETUP = """
import django
django.setup()
from articles.models import Article, Province
provinces = list(Province.objects.order_by("slug").values_list("slug", flat=True)[:6])
body = " ".join(
    f"Đoạn {n}: Sở Thông tin và Truyền thông triển khai chuyển đổi số, hạ tầng viễn "
    "thông, bưu điện văn hóa xã và chữ ký số cho các cơ quan nhà nước." for n in range(40)
)
for n in range(int(__import__("sys").argv[1])):
    Article.objects.create(
        title=f"Bài {n} về chuyển đổi số và viễn thông",
        body=body,
        source_file=f"seed-{n}.txt",
        province=Province.objects.get(slug=provinces[n % 6]),
        date_precision="unknown",
    )
"""

SEARCHER = """
import json, os, sys, time
import django
django.setup()
from articles.search.service import SearchParams, search

stop, root = sys.argv[1], sys.argv[2]
queries = ["chuyển đổi số", "vien thong", "bưu điện văn hóa xã"]
seen = {q: [] for q in queries}
during = 0
while not os.path.exists(stop):
    building = os.path.exists(os.path.join(root, "BUILDING"))
    for q in queries:
        seen[q].append(search(SearchParams(q=q)).exact_total)
    during += building
    time.sleep(0.01)
print(json.dumps({"seen": {q: min(v) for q, v in seen.items()}, "during": during}))
"""

EDITOR = """
import sys, time
import django
django.setup()
from articles.models import Article
from articles.search.index.queue import drain

root = sys.argv[1]
ids = list(Article.objects.order_by("pk").values_list("pk", flat=True))
edited = []
while not __import__("os").path.exists(root + "/BUILDING"):
    time.sleep(0.01)
for n, pk in enumerate(ids[:6]):
    article = Article.objects.get(pk=pk)
    article.title = f"Bài sửa khixaylai{n} về mạng băng rộng"
    article.save()
    drain()
    edited.append(pk)
    time.sleep(0.05)
print(len(edited))
"""

CHECK = """
import json, sys
import django
django.setup()
from articles.search.service import SearchParams, search
found = [search(SearchParams(q=f"khixaylai{n}")).exact_total for n in range(6)]
totals = {q: search(SearchParams(q=q)).exact_total for q in ["chuyển đổi số", "vien thong"]}
print(json.dumps({"found": found, "totals": totals}))
"""


def _environment(folder: Path) -> dict[str, str]:
    return {
        **os.environ,
        "DJANGO_SETTINGS_MODULE": "tests.settings",
        "PORTAL_DATA_DIR": str(folder),
        "DATABASE_URL": f"sqlite:///{folder / 'portal.sqlite3'}",
        "WHOOSH_INDEX_PATH": str(folder / "index"),
        "PORTAL_LOG_LEVEL": "WARNING",
    }


def _manage(env: dict, *args: str) -> str:
    done = subprocess.run(
        [sys.executable, "manage.py", *args], cwd=REPO, env=env, capture_output=True, text=True
    )
    assert done.returncode == 0, done.stderr[-3000:]
    return done.stdout


def _script(env: dict, code: str, *args: str) -> subprocess.Popen:
    return run_script(code, env, *args)


@pytest.fixture
def archive(tmp_path):
    env = _environment(tmp_path)
    _manage(env, "migrate", "-v0")
    _finish(_script(env, SETUP, "120"))
    _manage(env, "build_index", "--workers", "2")
    return env, tmp_path / "index"


def _generations(root: Path) -> list[str]:
    return sorted(p.name for p in root.iterdir() if p.is_dir() and p.name.startswith("g"))


def test_searches_through_a_rebuild_keep_every_result_and_edits_survive(archive, tmp_path):
    env, root = archive
    stop = tmp_path / "stop"
    before = json.loads(_finish(_script(env, CHECK)))["totals"]
    assert before == {"chuyển đổi số": 120, "vien thong": 120}

    searcher = _script(env, SEARCHER, str(stop), str(root))
    editor = _script(env, EDITOR, str(root))
    time.sleep(1.0)  # the searcher is up and searching
    build = _start_build(env, stderr=subprocess.PIPE, text=True)
    _hold_switch_while_building(root, seconds=1.0)  # however fast the build, searches see it
    assert build.wait(timeout=300) == 0, build.stderr.read()[-3000:]
    stop.touch()
    assert _finish(editor) == "6"
    searched = json.loads(_finish(searcher))

    # Every search during the build found everything it found before.
    assert searched["during"] > 0
    assert searched["seen"]["chuyển đổi số"] == 120
    assert searched["seen"]["vien thong"] == 120
    assert searched["seen"]["bưu điện văn hóa xã"] == 120
    # The edits made during the build are in the index that serves after it.
    after = json.loads(_finish(_script(env, CHECK)))
    assert after["found"] == [1] * 6
    assert after["totals"] == before
    assert not (root / "BUILDING").exists()
    assert len(_generations(root)) <= 2  # the serving one and the one before


def _start_build(env: dict, **options) -> subprocess.Popen:
    """``build_index`` in its own process, as an operator runs it."""
    return subprocess.Popen(
        [sys.executable, "manage.py", "build_index", "--workers", "2"],
        cwd=REPO,
        env=env,
        stdout=subprocess.DEVNULL,
        **options,
    )


def _wait_for_build(root: Path) -> None:
    deadline = time.monotonic() + 60
    while not (root / "BUILDING").exists() and time.monotonic() < deadline:
        time.sleep(0.002)


@contextlib.contextmanager
def _writers_lock(root: Path):
    """The lock an editor's save holds: a build cannot switch meanwhile."""
    with open(root / "write.lock", "a+") as lock:
        fcntl.flock(lock, fcntl.LOCK_EX)
        yield


def _hold_switch_while_building(root: Path, seconds: float) -> None:
    serving = (root / "CURRENT").read_text().strip()
    _wait_for_build(root)
    with _writers_lock(root):
        assert (root / "CURRENT").read_text().strip() == serving, "the build ended first"
        time.sleep(seconds)


def test_a_killed_rebuild_leaves_the_old_index_serving(archive):
    env, root = archive
    serving = (root / "CURRENT").read_text().strip()
    build = _start_build(env, stderr=subprocess.DEVNULL, start_new_session=True)
    _wait_for_build(root)
    # Holding the writers' lock keeps the build from switching however fast
    # it runs: it is killed half done.
    with _writers_lock(root):
        assert (root / "CURRENT").read_text().strip() == serving, "the build ended first"
        time.sleep(0.5)
        os.killpg(build.pid, signal.SIGKILL)
        build.wait()

    assert (root / "CURRENT").read_text().strip() == serving
    assert json.loads(_finish(_script(env, CHECK)))["totals"]["chuyển đổi số"] == 120
    leftovers = [name for name in _generations(root) if name != serving]
    assert leftovers  # the dead build's folder, until the next cleanup

    _manage(env, "build_index", "--workers", "2")
    current = (root / "CURRENT").read_text().strip()
    assert not set(leftovers) & set(_generations(root))
    assert set(_generations(root)) <= {current, serving}
    assert json.loads(_finish(_script(env, CHECK)))["totals"]["chuyển đổi số"] == 120


def test_starting_on_an_up_to_date_index_does_not_rebuild(archive):
    env, root = archive
    serving = (root / "CURRENT").read_text().strip()
    started = time.monotonic()
    out = _manage(env, "sync_index", "--at-start")
    assert "không cần lập lại" in out
    assert time.monotonic() - started < 30
    assert (root / "CURRENT").read_text().strip() == serving

    # An index made by other code (another stamp) is rebuilt beside it.
    (root / serving / "portal-version").write_text("older-code\n")
    out = _manage(env, "sync_index", "--at-start")
    assert "phiên bản mã khác" in out
    assert (root / "CURRENT").read_text().strip() != serving
    assert json.loads(_finish(_script(env, CHECK)))["totals"]["chuyển đổi số"] == 120


def test_every_kind_of_damage_is_repaired_by_a_rebuild(archive):
    env, root = archive

    def serving() -> Path:
        return root / (root / "CURRENT").read_text().strip()

    def damaged_search_fails() -> None:
        failed = _script(env, CHECK)
        _, err = failed.communicate(timeout=60)
        assert failed.returncode != 0 and "SearchUnavailable" in err

    # A deleted segment file; the start of the portal rebuilds it.
    for path in serving().glob("*.trm"):
        path.unlink()
    damaged_search_fails()
    assert "bị hỏng" in _manage(env, "sync_index", "--at-start")
    assert json.loads(_finish(_script(env, CHECK)))["totals"]["chuyển đổi số"] == 120

    # Corrupt postings, then an empty table of contents: build_index repairs both.
    for path in serving().glob("*.pst"):
        path.write_bytes(b"\x00\xff" * 64)
    _manage(env, "build_index", "--workers", "2")
    assert json.loads(_finish(_script(env, CHECK)))["totals"]["chuyển đổi số"] == 120
    for path in serving().glob("_MAIN_*.toc"):
        path.write_bytes(b"")
    damaged_search_fails()
    _manage(env, "build_index", "--workers", "2")
    assert json.loads(_finish(_script(env, CHECK)))["totals"]["chuyển đổi số"] == 120

    # An emptied folder: nothing found, the check says what is missing, a rebuild refills.
    for path in serving().iterdir():
        if path.is_file():
            path.unlink()
    assert "Cần thêm 120" in _manage(env, "sync_index", "--dry-run")
    _manage(env, "build_index", "--workers", "2")
    assert json.loads(_finish(_script(env, CHECK)))["totals"]["chuyển đổi số"] == 120


def test_a_rebuild_prepares_what_readers_found_slow(archive):
    from articles.search.engines.whoosh.store import DecodedStore

    env, root = archive
    serving = root / (root / "CURRENT").read_text().strip()
    # What the serving index's readers found slow to decode, as its store noted it.
    DecodedStore(serving).note("phrase", "text", ["chuyển", "đổi", "số"])
    DecodedStore(serving).note("term", "text_folded", "vien")
    assert not list((serving / "decoded").glob("*.npz"))

    _manage(env, "build_index", "--workers", "2")

    new = root / (root / "CURRENT").read_text().strip()
    assert new != serving
    # Both are decoded on disk for the new index before it serves: one file
    # per lookup and segment (120 articles, two workers: two segments) ...
    assert len(list((new / "decoded").glob("*.npz"))) == 4
    # ... and noted again, so the rebuild after it prepares them too.
    assert set(DecodedStore(new).wanted(10)) == {
        ("phrase", "text", ("chuyển", "đổi", "số")),
        ("term", "text_folded", "vien"),
    }
    assert json.loads(_finish(_script(env, CHECK)))["totals"]["chuyển đổi số"] == 120
