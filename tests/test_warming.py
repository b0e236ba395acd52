"""A serving process moves to a rebuilt index only once it has run its
recent searches on it: until then it answers from the index it has (whole),
and afterwards those searches read nothing cold. Edits made meanwhile go to
the new index and show once the process moves."""

from __future__ import annotations

import pytest

from articles.models import Article
from articles.search.engines import get_engine
from articles.search.engines.whoosh import bulk, snapshot
from articles.search.engines.whoosh.engine import WhooshEngine
from articles.search.service import SearchParams, search

pytestmark = pytest.mark.django_db


def _total(q: str) -> int:
    return search(SearchParams(q=q)).exact_total


def _rebuild_elsewhere(engine: WhooshEngine) -> None:
    """A rebuild by another engine on the same folder (as ``build_index`` in
    another process): this process's engine is not told."""
    other = WhooshEngine(engine.generations.root, engine.schema)
    bulk.build(other, list(Article.objects.values_list("pk", flat=True)), workers=1)


@pytest.fixture
def postings_read(monkeypatch) -> list[tuple]:
    """Every posting list a snapshot decodes from the index files."""
    calls: list[tuple] = []
    real = snapshot.read_postings

    def counted(reader, fieldname, btext, **options):
        calls.append((fieldname, btext))
        return real(reader, fieldname, btext, **options)

    monkeypatch.setattr(snapshot, "read_postings", counted)
    return calls


def _archive(make_article, index_now, count: int = 12) -> WhooshEngine:
    with index_now:
        for n in range(count):
            make_article(f"Bưu điện văn hóa xã số {n}", "Trạm viễn thông và chữ ký số.")
    # Stored but not indexed in this generation: the rebuild adds it.
    Article.objects.create(
        title="Bưu điện văn hóa xã mới mở", body="Trạm viễn thông.", source_file="new.txt"
    )
    return get_engine()


def test_the_rebuilt_index_serves_once_warm(make_article, index_now, postings_read):
    engine = _archive(make_article, index_now)
    assert _total("bưu điện văn hóa xã") == 12
    assert _total("vien thong") == 12

    _rebuild_elsewhere(engine)

    # The first search after the switch starts warming and is answered,
    # in full, from the generation this process had.
    assert _total("bưu điện văn hóa xã") == 12
    warming = engine.warming
    assert warming is not None
    assert warming.wait(timeout=60)
    assert warming.error is None and warming.replayed >= 2

    postings_read.clear()
    assert _total("bưu điện văn hóa xã") == 13
    assert _total("vien thong") == 13
    # Both searches had run on the new generation before it served.
    assert postings_read == []
    assert engine.warming is None
    assert _total("tram") == 13
    assert postings_read  # words nobody had asked for are read now


def test_an_edit_made_while_warming_shows_once_the_process_moves(make_article, index_now):
    engine = _archive(make_article, index_now)
    assert _total("bưu điện văn hóa xã") == 12
    _rebuild_elsewhere(engine)
    assert _total("bưu điện văn hóa xã") == 12
    warming = engine.warming
    assert warming is not None
    with index_now:
        edited = Article.objects.get(source_file="new.txt")
        edited.title += " khimoiam"
        edited.save()
    assert warming.wait(timeout=60)
    assert _total("khimoiam") == 1
    assert _total("bưu điện văn hóa xã") == 13
    # The edit's checksums are the new generation's, which it was written to.
    assert engine.verify() == []


def test_without_warming_a_process_reads_the_new_index_at_once(make_article, index_now):
    engine = _archive(make_article, index_now, count=2)
    engine.warm_seconds = 0  # PORTAL_WARM_SECONDS=0
    assert _total("bưu điện văn hóa xã") == 2
    _rebuild_elsewhere(engine)
    assert _total("bưu điện văn hóa xã") == 3
    assert engine.warming is None


def test_warming_waits_while_a_request_is_answered(make_article, index_now):
    from django.core.signals import request_finished, request_started

    engine = _archive(make_article, index_now)
    assert _total("bưu điện văn hóa xã") == 12
    _rebuild_elsewhere(engine)
    request_started.send(sender=None)  # as Django does when a request comes in
    try:
        assert _total("bưu điện văn hóa xã") == 12  # starts warming
        warming = engine.warming
        assert not warming.wait(timeout=1.5)  # a few ms of work, held back
    finally:
        request_finished.send(sender=None)
    assert warming.wait(timeout=30)
    assert _total("bưu điện văn hóa xã") == 13
