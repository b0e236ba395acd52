"""The search index follows every change to the archive, and sync_index
repairs it when something went around the queue."""

from __future__ import annotations

import io
import json
import os
import subprocess
import sys
import textwrap
import time
from pathlib import Path

import pytest
from django.core.management import call_command
from django.db import transaction
from django.urls import reverse

from articles import curation, index_sync
from articles.models import Article, IctField, IndexQueueEntry, Province
from articles.search.engines import get_engine
from articles.search.index.queue import drain, indexing_deferred, pending_count
from articles.search.service import SearchParams, search
from tests.processes import finish as _finish
from tests.processes import run_script

REPO = Path(__file__).resolve().parents[1]

pytestmark = pytest.mark.django_db


def found(q: str = "", **filters) -> set[int]:
    """The articles holding every word of ``q`` (partial matches left out)."""
    outcome = search(SearchParams(q=q, **filters))
    return {hit.article.pk for hit in outcome.hits[: outcome.exact_total]}


# -- each kind of change -------------------------------------------------------


def test_saved_article_is_found_with_its_new_title(make_article, index_now):
    with index_now:
        article = make_article("Khai trương bưu cục văn hóa xã")
    assert found("buu cuc") == {article.pk}

    with index_now:
        article.title = "Khánh thành điểm phục vụ bưu chính mới"
        article.body = "Điểm phục vụ bưu chính mới ở xã vùng cao."
        article.save()
    assert found("bưu cục") == set()
    assert found("diem phuc vu") == {article.pk}


def test_deleted_article_leaves_the_index(make_article, index_now):
    with index_now:
        article = make_article("Thanh tra tần số vô tuyến điện")
    assert found("tần số") == {article.pk}
    with index_now:
        article.delete()
    assert found("tần số") == set()
    assert index_sync.compare().in_sync


def test_bulk_update_reaches_the_index(make_article, index_now):
    with index_now:
        articles = [make_article(f"Hội nghị giao ban báo chí quý {n}") for n in (1, 2, 3)]
    with index_now:
        Article.objects.filter(pk__in=[a.pk for a in articles[:2]]).update(status="hidden")
    assert found("giao ban") == {articles[2].pk}
    with index_now:
        curation.publish(articles)
    assert found("giao ban") == {a.pk for a in articles}


def test_marking_a_duplicate_removes_it_from_search(make_article, index_now):
    with index_now:
        kept = make_article("Tỉnh ra mắt ứng dụng công dân số")
        copy = make_article("Tỉnh ra mắt ứng dụng công dân số (đăng lại)")
    with index_now:
        curation.mark_duplicate([copy], kept)
    assert found("công dân số") == {kept.pk}
    with index_now:
        curation.unmark_duplicate([copy])
    assert found("công dân số") == {kept.pk, copy.pk}


def test_deleting_the_kept_article_brings_its_duplicates_back(
    admin_client, make_article, index_now
):
    with index_now:
        kept = make_article("Phổ cập dịch vụ viễn thông công ích")
        copy = make_article("Phổ cập dịch vụ viễn thông công ích đến hộ nghèo", duplicate_of=kept)
    assert found("công ích") == {kept.pk}
    with index_now:
        response = admin_client.post(
            reverse("admin:articles_article_delete", args=[kept.pk]), {"post": "yes"}
        )
    assert response.status_code == 302
    # on_delete=SET_NULL: the copy stands on its own again, and search shows it.
    assert found("công ích") == {copy.pk}


def test_field_change_reaches_the_facets(make_article, index_now):
    with index_now:
        article = make_article("Cấp phép xuất bản bản tin nội bộ", fields=("cntt",))
    press = IctField.objects.get(code="bao-chi")
    with index_now:
        article.fields.add(press)
    assert found("bản tin", fields=["bao-chi"]) == {article.pk}
    with index_now:
        press.articles.remove(article)  # from the other side of the relation
    assert found("bản tin", fields=["bao-chi"]) == set()
    with index_now:
        curation.add_field([article], press)
    assert found("bản tin", fields=["bao-chi"]) == {article.pk}


def test_province_rename_reaches_the_index(make_article, index_now):
    with index_now:
        article = make_article("Hội nghị an toàn thông tin mạng", province="ha-tay")
    assert found("an toàn", provinces=["ha-tay"]) == {article.pk}
    province = Province.objects.get(slug="ha-tay")
    with index_now:
        province.name = "Hà Tây (cũ)"
        province.slug = "ha-tay-cu"
        province.save()
    assert found("an toàn", provinces=["ha-tay-cu"]) == {article.pk}
    facet = search(SearchParams(q="an toàn")).facets["province"]
    assert [(v.value, v.label, v.count) for v in facet] == [("ha-tay-cu", "Hà Tây (cũ)", 1)]


def test_admin_edit_reaches_the_index(admin_client, make_article, index_now):
    with index_now:
        article = make_article("Trạm BTS dùng chung hạ tầng", province="bac-giang")
    data = {
        "title": "Trạm BTS dùng chung hạ tầng kỹ thuật",
        "slug": article.slug,
        "body": article.body,
        "date": article.date.isoformat(),
        "date_precision": article.date_precision,
        "province": Province.objects.get(slug="ha-giang").pk,
        "fields": [IctField.objects.get(code="vien-thong").pk],
        "status": "published",
    }
    with index_now:
        response = admin_client.post(
            reverse("admin:articles_article_change", args=[article.pk]), data
        )
    assert response.status_code == 302
    assert found("ha tang ky thuat", provinces=["ha-giang"], fields=["vien-thong"]) == {article.pk}
    assert found("trạm BTS", provinces=["bac-giang"]) == set()


# -- failures: rollback, a held lock --------------------------------------------


def test_rolled_back_change_leaves_the_index_alone(make_article, index_now):
    with index_now:
        article = make_article("Sơ kết công tác thông tin cơ sở")
    with index_now:
        try:
            with transaction.atomic():
                article.title = "Tiêu đề không bao giờ được lưu"
                article.save()
                Article.objects.filter(pk=article.pk).update(status="hidden")
                raise RuntimeError("rolled back")
        except RuntimeError:
            pass
    assert pending_count() == 0
    assert found("thông tin cơ sở") == {article.pk}
    assert found("không bao giờ") == set()


def test_change_waits_for_a_held_lock_and_is_applied_after(make_article, index_now, settings):
    settings.PORTAL_INDEX_LOCK_TIMEOUT = 0.2
    with index_now:
        article = make_article("Ứng dụng chữ ký số trong văn bản điện tử")
    writer = get_engine().writer()  # another process writing, as far as drain can tell
    try:
        with index_now:
            curation.hide([article])
        assert pending_count() == 1  # not lost: queued
        assert found("chữ ký số") == {article.pk}  # not applied yet
    finally:
        writer.cancel()
    assert drain() == 1
    assert pending_count() == 0
    assert found("chữ ký số") == set()


# -- sync_index ---------------------------------------------------------------------


def test_sync_index_repairs_a_broken_index(make_article, index_now):
    with index_now:
        kept = make_article("Bồi dưỡng kỹ năng số cho cán bộ")
        lost = make_article("Số hóa tài liệu lưu trữ của tỉnh")
        stray = make_article("Bài đã xóa mà chỉ mục còn giữ")
    # Break the index behind the queue's back: one document missing, one left over.
    with get_engine().writer() as writer:
        writer.delete([lost.pk])
    stray_pk = stray.pk
    with indexing_deferred():
        stray.delete()
    IndexQueueEntry.objects.all().delete()
    assert found("số hóa") == set()
    assert stray_pk in index_sync.indexed_ids()

    out = io.StringIO()
    call_command("sync_index", "--dry-run", stdout=out)
    assert "Cần thêm 1, xóa 1" in out.getvalue()
    assert f"#{lost.pk}" in out.getvalue() and f"#{stray_pk}" in out.getvalue()
    assert not index_sync.compare().in_sync  # a dry run changes nothing

    out = io.StringIO()
    call_command("sync_index", stdout=out)
    assert "Đã thêm 1, xóa 1" in out.getvalue()
    diff = index_sync.compare()
    assert diff.in_sync and diff.indexed == 2
    assert found("số hóa") == {lost.pk}
    assert found("kỹ năng số") == {kept.pk}


def test_sync_index_full_rewrites_stale_documents(make_article, index_now):
    with index_now:
        article = make_article("Tiêu đề trong chỉ mục")
    # A change that bypassed the queue (a raw SQL edit, a restored backup).
    with indexing_deferred():
        Article.objects.filter(pk=article.pk).update(title="Tiêu đề đã sửa ngoài luồng")
    IndexQueueEntry.objects.all().delete()
    out = io.StringIO()
    call_command("sync_index", stdout=out)
    assert "Đã thêm 0, xóa 0" in out.getvalue()
    assert found("ngoài luồng") == set()  # ids agree, content is stale

    out = io.StringIO()
    call_command("sync_index", "--full", stdout=out)
    assert "đánh chỉ mục lại 1" in out.getvalue()
    assert found("ngoài luồng") == {article.pk}


def test_sync_index_applies_queued_changes_first(make_article, index_now, settings):
    settings.PORTAL_INDEX_LOCK_TIMEOUT = 0.2
    with index_now:
        article = make_article("Chuyển mạch gói thế hệ mới")
    writer = get_engine().writer()
    try:
        with index_now:
            curation.hide([article])
    finally:
        writer.cancel()
    out = io.StringIO()
    call_command("sync_index", stdout=out)
    assert "áp dụng 1 thay đổi đang chờ" in out.getvalue()
    assert found("chuyển mạch") == set()
    assert pending_count() == 0


def test_a_reader_keeps_its_snapshot_while_another_writer_merges(make_article, index_now):
    # Another process merging the index deletes the old segments' files
    # while this process may still be answering a query from them.
    from whoosh.index import open_dir

    articles = []
    for title in ("Cấp phép bưu chính", "Đo kiểm chất lượng 4G", "Chữ ký số cho xã"):
        with index_now:
            articles.append(make_article(title))
    engine = get_engine()
    snapshot = engine.snapshot()
    assert len(snapshot.parts) > 1, "the test needs several segments to merge"

    other = open_dir(engine.path)
    writer = other.writer()
    writer.commit(optimize=True)
    assert not snapshot.searcher.up_to_date()

    docnums = [int(d) for d in snapshot.live.nonzero()[0]]
    read = {snapshot.article_id(d) for d in docnums}
    assert read == {a.pk for a in articles}
    assert (snapshot.field_lengths("text")[docnums] > 1).all()
    assert found("chu ky so") == {articles[2].pk}


def test_decoded_postings_outlive_a_restart_and_their_segments(
    make_article, index_now, monkeypatch
):
    from whoosh.index import open_dir

    from articles.search.engines.whoosh import snapshot as snapshots
    from articles.search.engines.whoosh.store import LRU, DecodedStore

    monkeypatch.setattr(DecodedStore, "SLOW_SECONDS", 0.0)  # keep everything
    articles = []
    for title in ("Cấp phép bưu chính", "Bưu chính công ích ở xã", "Mạng 5G"):
        with index_now:
            articles.append(make_article(title))
    assert found("bưu chính") == {articles[0].pk, articles[1].pk}
    engine = get_engine()
    store = Path(engine.path) / "decoded"
    kept = {name for name in os.listdir(store) if name.endswith(".npz")}
    assert kept

    # A restarted worker answers from the store without decoding anything.
    engine.close()
    engine._segments.clear()
    engine._postings = LRU(1 << 20)

    def no_decoding(*args, **kwargs):
        raise AssertionError("decoded again")

    monkeypatch.setattr(snapshots, "read_postings", no_decoding)
    assert found("bưu chính") == {articles[0].pk, articles[1].pk}
    monkeypatch.undo()

    # Merged away, the old segments' files go.
    writer = open_dir(engine.path).writer()
    writer.commit(optimize=True)
    assert found("mạng 5g") == {articles[2].pk}
    assert not kept & set(os.listdir(store))


# -- several processes at once ---------------------------------------------------------

SETUP = """
from articles.models import Article, Province
provinces = list(Province.objects.values_list("slug", flat=True)[:6])
for n in range(40):
    Article.objects.create(
        title=f"Bài gốc {n} về chuyển đổi số",
        body="Nội dung về hạ tầng viễn thông và công nghệ thông tin.",
        source_file=f"seed-{n}.txt",
        province=Province.objects.get(slug=provinces[n % 6]),
        date_precision="unknown",
    )
print(Article.objects.count())
"""

EDITOR = """
import random, string, sys, time
from articles import curation
from articles.models import Article, IctField, Province

name, seconds = sys.argv[1], float(sys.argv[2])
wait_for_the_others(name)
rng = random.Random(name)
ids = list(Article.objects.values_list("pk", flat=True))
fields = list(IctField.objects.all())
provinces = list(Province.objects.all()[:10])
done = 0
deadline = time.monotonic() + seconds
while time.monotonic() < deadline:
    op = rng.choice(["save", "save", "bulk", "field", "province"])
    if op == "save":
        article = Article.objects.get(pk=rng.choice(ids))
        token = "kt" + name + "".join(rng.choice(string.ascii_lowercase) for _ in range(6))
        article.title = f"Bài sửa {token} về mạng băng rộng"
        article.save()
    elif op == "bulk":
        sample = rng.sample(ids, 4)
        status = rng.choice(["hidden", "published", "published"])
        Article.objects.filter(pk__in=sample).update(status=status)
    elif op == "field":
        field = rng.choice(fields)
        sample = rng.sample(ids, 3)
        (curation.add_field if rng.random() < 0.6 else curation.remove_field)(sample, field)
    else:
        curation.set_province(rng.sample(ids, 3), rng.choice(provinces))
    done += 1
print(done)
"""

SEARCHER = """
import os, sys, random
from articles.search.service import SearchParams, search

stop = sys.argv[1]
wait_for_the_others("searcher")
rng = random.Random(1)
queries = ["chuyen doi so", "băng rộng", "viễn thông", "bai sua", "CNTT", ""]
done = 0
while not os.path.exists(stop):
    params = SearchParams(q=rng.choice(queries), sort=rng.choice(["", "newest"]))
    if rng.random() < 0.3:
        params.fields = ["vien-thong"]
    outcome = search(params)
    assert outcome.total >= len(outcome.hits)
    done += 1
print(done)
"""

CHECK = """
import json
from collections import defaultdict
from articles import index_sync
from articles.models import Article
from articles.search.engines import get_engine
from articles.search.index.queue import pending_count
from articles.search.service import SearchParams, search

snapshot = get_engine().snapshot()
def facet(name):
    docs = defaultdict(set)
    values, data = snapshot.facets[name]
    for i, value in enumerate(values):
        mask = data[i] if isinstance(data, list) else (data == i)
        for docnum in mask.nonzero()[0]:
            docs[snapshot.article_id(int(docnum))].add(value)
    return docs
provinces, fields = facet("province"), facet("fields")
diff = index_sync.compare()
wrong = []
edited = Article.objects.filter(title__contains=" kt").prefetch_related("fields")
for article in Article.objects.published().select_related("province").prefetch_related("fields"):
    if provinces.get(article.pk, set()) != {article.province.slug}:
        wrong.append(("province", article.pk))
    if fields.get(article.pk, set()) != {f.code for f in article.fields.all()}:
        wrong.append(("fields", article.pk))
unfindable = []
for article in edited:
    token = article.title.split()[2]
    hits = {h.article.pk for h in search(SearchParams(q=token)).hits}
    if (article.pk in hits) != article.is_published:
        unfindable.append(article.pk)
print(json.dumps({
    "missing": diff.missing, "extra": diff.extra, "pending": pending_count(),
    "wrong": wrong, "unfindable": unfindable, "edited": edited.count(),
    "published": diff.database,
}))
"""


# Every process loads the word segmenter and opens the index before the clock
# starts, then waits for the others, so that their work really overlaps.
BARRIER = """
import os, time
import django
django.setup()

def wait_for_the_others(name):
    from articles.analysis import analyze
    from articles.search.engines import get_engine
    analyze("khởi động bộ tách từ")
    get_engine().snapshot()
    directory = os.environ["BARRIER_DIR"]
    open(os.path.join(directory, "ready-" + name), "w").close()
    deadline = time.monotonic() + 60
    while not os.path.exists(os.path.join(directory, "go")) and time.monotonic() < deadline:
        time.sleep(0.05)
"""


def _run_script(code: str, env: dict, *args: str) -> subprocess.Popen:
    return run_script(textwrap.dedent(BARRIER) + textwrap.dedent(code), env, *args)


@pytest.mark.slow
def test_concurrent_editors_and_readers_end_in_agreement(tmp_path):
    env = {
        **os.environ,
        "DJANGO_SETTINGS_MODULE": "portal.settings",
        "PORTAL_DATA_DIR": str(tmp_path),
        "DATABASE_URL": f"sqlite:///{tmp_path / 'portal.sqlite3'}",
        "WHOOSH_INDEX_PATH": str(tmp_path / "whoosh"),
        "PORTAL_LOG_LEVEL": "WARNING",
        "BARRIER_DIR": str(tmp_path),
    }
    subprocess.run([sys.executable, "manage.py", "migrate", "-v0"], cwd=REPO, env=env, check=True)
    assert _finish(_run_script(SETUP, env)) == "40"

    stop = tmp_path / "stop"
    searcher = _run_script(SEARCHER, env, str(stop))
    editors = [_run_script(EDITOR, env, name, "10") for name in ("a", "b")]
    ready = [tmp_path / f"ready-{name}" for name in ("a", "b", "searcher")]
    deadline = time.monotonic() + 60
    while not all(path.exists() for path in ready) and time.monotonic() < deadline:
        assert all(p.poll() is None for p in [searcher, *editors]), "a process died early"
        time.sleep(0.05)
    started = time.monotonic()
    (tmp_path / "go").touch()
    edits = [int(_finish(editor)) for editor in editors]
    stop.touch()
    searches = int(_finish(searcher))
    assert time.monotonic() - started < 60
    assert all(n > 5 for n in edits), edits
    assert searches > 5

    result = json.loads(_finish(_run_script(CHECK, env)))
    assert result["edited"] > 0
    assert result["pending"] == 0, result
    assert result["missing"] == [] and result["extra"] == [], result
    assert result["wrong"] == [], result
    assert result["unfindable"] == [], result
    assert 0 < result["published"] <= 40
