"""The search document of an article, as every engine indexes it.

The fields are defined in ``articles.search_indexes`` (haystack's
``SearchIndex``): pre-analyzed text fields, whole-value facet fields and the
date as a number.
"""

from __future__ import annotations

from collections.abc import Iterable

from haystack import connections

from articles.models import Article
from articles.search.engines.base import Document


def article_index():
    return connections["default"].get_unified_index().get_index(Article)


def documents(articles: Iterable[Article]) -> list[Document]:
    index = article_index()
    return [index.full_prepare(article) for article in articles]


def indexable():
    """What the index should hold: the published articles, with their relations."""
    return article_index().index_queryset()
