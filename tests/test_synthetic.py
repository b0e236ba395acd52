"""The benchmark's synthetic corpus (bench/synthetic.py), the fast word
segmenter, and the parallel full index build."""

from __future__ import annotations

import unicodedata
from collections import Counter

import pytest

from articles.models import Article, DatePrecision
from articles.search.engines import get_engine
from articles.search.index.document import documents, indexable
from articles.search.service import SearchParams, search
from articles.segmenter import tokenize
from articles.text import normalize
from bench import synthetic


def test_generation_is_repeatable_and_shaped_like_the_archive():
    first = list(synthetic.generate(400, seed=3))
    assert [a.body for a in first[:20]] == [a.body for a in synthetic.generate(20, seed=3)]
    assert len(first) == 400
    provinces = Counter(a.province for a in first)
    assert len(provinces) >= 60
    years = {a.date.year for a in first}
    assert min(years) <= 2006 and max(years) >= 2023
    assert {a.date_precision for a in first} == {"day", "month", "year"}
    assert {len(a.fields) for a in first} == {0, 1, 2, 3, 4}
    assert all(600 <= a.syllable_count <= 1600 for a in first)
    assert any("near-duplicate" in a.flags for a in first)
    assert any("old-tones" in a.flags for a in first)
    assert any(unicodedata.is_normalized("NFD", a.raw_text) for a in first if "nfd-raw" in a.flags)
    # Hà Tây only while it existed.
    assert all(a.date <= synthetic.HA_TAY_UNTIL for a in first if a.province == "ha-tay")


def test_old_tone_placement_is_what_normalization_undoes():
    text = "Ủy ban nhân dân tỉnh Thanh Hóa, thủy lợi, hòa mạng, quý khách, kỹ thuật"
    old = synthetic.old_tone_placement(text)
    assert "Uỷ ban" in old and "Hoá" in old and "thuỷ" in old and "kĩ thuật" in old
    assert "quý" in old  # qu + y keeps its mark
    assert normalize(old) == text


def test_fields_follow_the_text():
    from articles.importer.fields import judge_fields

    # The importer's keyword judgement, applied to the generated text, finds
    # the fields the generator chose nearly always (one passing mention of
    # another field is allowed, as in real articles).
    articles = [a for a in synthetic.generate(300, seed=5) if "near-duplicate" not in a.flags]
    judged = [set(judge_fields(a.title, a.body).codes) for a in articles]
    same = sum(j == set(a.fields) for j, a in zip(judged, articles, strict=True))
    covered = sum(j >= set(a.fields) for j, a in zip(judged, articles, strict=True))
    assert same / len(articles) >= 0.85
    assert covered / len(articles) >= 0.97


@pytest.mark.django_db
def test_insert_fills_a_marked_scratch_folder(tmp_path):
    synthetic.insert(120, data_dir=tmp_path, seed=2, workers=1)
    stored = Article.objects.all()
    assert stored.count() == 120
    assert not stored.exclude(source_file__startswith="synthetic/").exists()
    assert stored.filter(date_precision=DatePrecision.MONTH).exists()
    assert stored.filter(fields__isnull=False).exists()
    assert (tmp_path / synthetic.MARKER).exists()
    # A second run adds more, numbered after the first.
    synthetic.insert(10, data_dir=tmp_path, seed=2, workers=1)
    assert stored.count() == 130


@pytest.mark.django_db
def test_refuses_to_mix_with_a_real_archive(make_article, tmp_path):
    make_article("Bài viết thật của Sở TT&TT Bắc Giang", province="bac-giang")
    with pytest.raises(synthetic.MixingRefused):
        synthetic.insert(5, data_dir=tmp_path, workers=1)
    assert Article.objects.count() == 1


def test_fast_segmenter_matches_pyvi():
    from pyvi import ViTokenizer

    texts = [a.body for a in synthetic.generate(40, seed=11)]
    texts += ["", "Hà Nội", "TT&TT 43/2011/NĐ-CP ngày 1/4", "http://a.vn/x?y=1 a@b.vn 1.000,5"]
    for text in texts:
        assert tokenize(text) == ViTokenizer.tokenize(text)


def _results(queries) -> list:
    out = []
    for params in queries:
        outcome = search(params)
        out.append(
            (
                outcome.total,
                [h.article.pk for h in outcome.hits],
                {k: [(v.value, v.count) for v in values] for k, values in outcome.facets.items()},
            )
        )
    return out


@pytest.mark.django_db(transaction=True)
def test_bulk_build_answers_like_the_incremental_index(tmp_path):
    synthetic.insert(50, data_dir=tmp_path, seed=9, workers=1)
    queries = [
        SearchParams(q="hội nghị"),
        SearchParams(q="chuyen doi so"),
        SearchParams(q='"bưu điện văn hóa xã"'),
        SearchParams(q="viễn thông", fields=["vien-thong"]),
        SearchParams(q="UBND -internet", sort="newest"),
        SearchParams(q="", year_from=2010, year_to=2018),
        SearchParams(q="Sở TT&TT", provinces=["ha-noi", "ho-chi-minh"]),
    ]
    engine = get_engine()
    engine.clear()
    with engine.writer() as writer:
        writer.add(documents(indexable()))
    incremental = _results(queries)
    assert incremental[0][0] > 0

    ids = list(indexable().values_list("pk", flat=True))
    report = engine.rebuild(ids, workers=2)
    assert report.documents == 50
    assert _results(queries) == incremental
