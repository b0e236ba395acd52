"""A rebuild's segments, written without Whoosh's posting pool, are the
segments Whoosh's own writer writes: the same bytes in every file."""

from __future__ import annotations

import hashlib
import random
from pathlib import Path

import pytest
from whoosh.fields import ID, KEYWORD, NUMERIC, TEXT, Schema
from whoosh.filedb.filestore import FileStorage

from articles.models import Article
from articles.search.engines import get_engine
from articles.search.engines.whoosh import compat
from articles.search.index.document import documents


def _write(folder: Path, schema, docs: list[dict], *, builder: bool):
    index = FileStorage(str(folder)).create_index(schema)
    if builder:
        writer = compat.SegmentBuilder(index)
        for fields in docs:
            writer.add_document(fields)
        segment = writer.finish()
    else:
        writer = compat.segment_writer(index, compound=False)
        for fields in docs:
            writer.add_document(**fields)
        segment = compat.finalize_segment(writer)
    index.writer().commit(mergetype=lambda w, existing: [*existing, segment])
    return index


def _contents(folder: Path) -> dict[str, list[str]]:
    """Digests of the segment's files by kind (segment names are random)."""
    found: dict[str, list[str]] = {}
    for path in folder.iterdir():
        kind = path.suffix
        if kind in {".toc", ".lock"} or path.name.endswith("CHECKSUMS.json"):
            continue
        found.setdefault(kind, []).append(hashlib.sha256(path.read_bytes()).hexdigest())
    return {kind: sorted(digests) for kind, digests in found.items()}


def _same_index(a, b, tmp_path: Path) -> None:
    assert _contents(tmp_path / "whoosh") == _contents(tmp_path / "builder")
    with a.searcher() as sa, b.searcher() as sb:
        ra, rb = sa.reader(), sb.reader()
        assert list(ra.all_terms()) == list(rb.all_terms())
        for n in range(ra.doc_count_all()):
            assert ra.stored_fields(n) == rb.stored_fields(n)


@pytest.mark.django_db
def test_the_search_documents_segment_is_byte_for_byte_whooshs(tmp_path, generated_articles):
    generated_articles(300, seed=3)
    engine = get_engine()
    docs = [
        engine.whoosh_fields(d) for d in documents(Article.objects.with_relations().order_by("pk"))
    ]
    for kind in ("whoosh", "builder"):
        (tmp_path / kind).mkdir()
    a = _write(tmp_path / "whoosh", engine.schema, docs, builder=False)
    b = _write(tmp_path / "builder", engine.schema, docs, builder=True)
    _same_index(a, b, tmp_path)
    assert b.doc_count() == 300


def test_fields_with_boosts_analyzers_and_numbers_are_written_the_same(tmp_path):
    """Weights that are not counts (a boosted field, repeated tokens) keep
    weights and values per posting; ids, keywords and numbers go through
    Whoosh's own indexing of the field."""
    schema = Schema(
        key=ID(stored=True, unique=True),
        body=TEXT(stored=True, field_boost=2.5),
        counts=TEXT(phrase=False),
        boosted_counts=TEXT(phrase=False, field_boost=2.0),
        tags=KEYWORD(commas=True, scorable=True),
        size=NUMERIC(int, stored=True, sortable=True),
        plain=TEXT(phrase=False),
        # Whoosh's analyzer drops one-letter words: a field with no postings at all.
        letters=TEXT(),
    )
    r = random.Random(5)
    words = [
        "bưu",
        "chính",
        "viễn",
        "thông",
        "báo",
        "chí",
        "tin",
        "học",
        "số",
        "hóa",
        "trạm",
        "mạng",
        "cáp",
    ]
    docs = [
        {
            "key": f"k{n}",
            "body": " ".join(r.choice(words) for _ in range(r.randint(1, 60))),
            "counts": " ".join(r.choice(words) for _ in range(r.randint(1, 400))),
            "boosted_counts": " ".join(r.choice(words) for _ in range(r.randint(1, 40))),
            "tags": ",".join(r.sample(["a", "b", "c", "d"], r.randint(1, 3))),
            "size": r.randint(0, 10_000),
            "plain": " ".join(r.choice(words) for _ in range(r.randint(0, 9))) or None,
            "letters": " ".join(r.choice("abcdefgh") for _ in range(r.randint(1, 900))),
        }
        for n in range(300)
    ]
    docs = [{k: v for k, v in d.items() if v is not None} for d in docs]
    for kind in ("whoosh", "builder"):
        (tmp_path / kind).mkdir()
    a = _write(tmp_path / "whoosh", schema, docs, builder=False)
    b = _write(tmp_path / "builder", schema, docs, builder=True)
    _same_index(a, b, tmp_path)


@pytest.mark.django_db(transaction=True)
def test_an_edit_never_merges_the_segments_a_build_wrote(make_article, index_now, monkeypatch):
    """Left to Whoosh's default policy, one edit after a build of about 20
    segments merged the whole index (minutes at 100,000 articles)."""
    from articles.search.engines.whoosh import bulk
    from articles.search.engines.whoosh import engine as whoosh_engine

    articles = [make_article(f"Tin bưu chính số {n}") for n in range(60)]
    engine = get_engine()
    monkeypatch.setattr(whoosh_engine, "EDIT_SEGMENT_DOCS", 3)
    bulk.build(engine, [a.pk for a in articles], workers=2, segment_docs=3)

    def segment_sizes() -> list[int]:
        with engine.index().searcher() as searcher:
            return sorted(r.doc_count_all() for r, _ in searcher.reader().leaf_readers())

    built = segment_sizes()
    assert built == [3] * 20
    for article in articles[:6]:  # Whoosh's own policy merges from the fifth small segment
        with index_now:
            article.title += " (sửa)"
            article.save()
    after = segment_sizes()
    # The build's segments are all there (the edited articles' old copies
    # stay in them, deleted); the edits' own small segments were merged.
    assert [s for s in after if s == 3] == built
    assert sum(after) == 60 + 6 and len(after) < 20 + 6
    assert {a.pk for a in articles} == engine.indexed_ids()
