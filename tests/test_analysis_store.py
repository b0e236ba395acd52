"""Segment once: an article's analysis is kept and read back while valid."""

from __future__ import annotations

import pytest

from articles import analysis_store
from articles.models import ArticleAnalysis
from articles.search.index.document import documents, indexable
from articles.search.service import SearchParams, search

pytestmark = pytest.mark.django_db


def _refuse_to_segment(monkeypatch):
    def segmenting(*args, **kwargs):
        raise AssertionError("segmented again")

    monkeypatch.setattr(analysis_store, "analyze", segmenting)


def test_an_indexed_article_keeps_its_analysis_and_a_rebuild_reads_it(
    make_article, index_now, monkeypatch
):
    with index_now:
        article = make_article("Quảng Ngãi đẩy mạnh chuyển đổi số", "Sở TT&TT triển khai 5G.")
    kept = ArticleAnalysis.objects.get(article=article)
    assert kept.version == analysis_store.analysis_version()

    first = documents(indexable().filter(pk=article.pk))
    _refuse_to_segment(monkeypatch)
    again = documents(indexable().filter(pk=article.pk))
    assert again == first
    assert [hit.article.pk for hit in search(SearchParams(q="chuyen doi so")).hits] == [article.pk]


def test_new_analysis_rules_or_an_edit_analyse_again(make_article, index_now, monkeypatch):
    with index_now:
        article = make_article("Bắc Giang chuyển đổi số", "Hội nghị về chữ ký số.")
    old = ArticleAnalysis.objects.get(article=article)

    # The rules changed (another version of text.py / analysis.py): redone.
    monkeypatch.setattr(analysis_store, "analysis_version", lambda: "rules-changed")
    documents(indexable().filter(pk=article.pk))
    assert ArticleAnalysis.objects.get(article=article).version == "rules-changed"
    monkeypatch.undo()

    # The title was edited: redone on its next indexing, and searchable by it.
    with index_now:
        article.title = "Bắc Giang khai trương trung tâm điều hành thông minh"
        article.save()
    now = ArticleAnalysis.objects.get(article=article)
    assert now.digest != old.digest and now.version == analysis_store.analysis_version()
    assert search(SearchParams(q="điều hành thông minh")).exact_total == 1
