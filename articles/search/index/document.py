"""The search document of an article, as every engine indexes it.

The fields are defined in ``articles.search_indexes`` (haystack's
``SearchIndex``): pre-analyzed text fields, whole-value facet fields and the
date as a number.
"""

from __future__ import annotations

import hashlib
from collections.abc import Iterable
from functools import cache
from pathlib import Path

from haystack import connections

from articles.models import Article
from articles.search.engines.base import Document


def article_index():
    return connections["default"].get_unified_index().get_index(Article)


def documents(articles: Iterable[Article]) -> list[Document]:
    """The articles' documents, their analyses read back where kept (``analysis_store``)."""
    from articles import analysis_store

    articles = list(articles)
    analyses = analysis_store.analyses(articles)
    index = article_index()
    for article in articles:
        article.prepared_analysis = analyses[article.pk]
    return [index.full_prepare(article) for article in articles]


# What decides a document's content: a change to any of these makes the
# index on disk stale (``sync_index`` and ``scripts/serve`` rebuild it).
_SOURCES = (
    "text.py",
    "analysis.py",
    "segmenter.py",
    "analysis_store.py",
    "provinces.py",
    "search_indexes.py",
    "search/engines/whoosh/schema.py",
)


@cache
def document_version() -> str:
    """A fingerprint of the code that makes documents (and of pyvi's version)."""
    from importlib.metadata import version

    digest = hashlib.sha256(version("pyvi").encode())
    package = Path(__file__).resolve().parents[2]
    for name in _SOURCES:
        digest.update((package / name).read_bytes())
    return digest.hexdigest()[:16]


def indexable():
    """What the index should hold: the published articles, with their relations."""
    return article_index().index_queryset()
