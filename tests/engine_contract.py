"""What every search engine must do, as cases shared by the contract suite
(``test_engine_contract.py``, run against each engine) and the OpenSearch
request-body test (``test_opensearch_requests.py``, no server needed).

The corpus is the small judged set (tests/relevance/small: 24 pages
imported through the importer); its queries are the ranking cases, and the
cases below add syntax, facets, filters, sorting and paging.
"""

from __future__ import annotations

import os
import uuid
from pathlib import Path

import pytest
from django.conf import settings
from haystack import connections

from articles.search import evaluation
from articles.search.service import SearchParams

SMALL_SET = Path(__file__).resolve().parent / "relevance" / "small"
OPENSEARCH_URL = os.environ.get("OPENSEARCH_URL", "")

# name -> the reader's request. Every one is run by every engine, and its
# plans (strict and, where there is one, relaxed) have a reviewed OpenSearch body.
CASES: dict[str, SearchParams] = {
    "all-newest": SearchParams(),
    "all-oldest": SearchParams(sort="oldest"),
    "words": SearchParams(q="bưu điện văn hóa xã"),
    "no-diacritics": SearchParams(q="buu dien van hoa xa"),
    "abbreviation": SearchParams(q="CNTT"),
    "phrase": SearchParams(q='"dịch vụ công trực tuyến"'),
    "exclusion": SearchParams(q="thông tin -điện"),
    "or": SearchParams(q="BTS OR Internet"),
    "place": SearchParams(q="Sở TT&TT Thanh Hoá"),
    "document-number": SearchParams(q="43/2011/NĐ-CP"),
    "relaxed": SearchParams(q="bưu điện văn hóa xã kĩ năng số thủy điện"),
    "province-filter": SearchParams(q="thông tin", provinces=["thanh-hoa", "lao-cai"]),
    "field-filter": SearchParams(fields=["buu-chinh"]),
    "year-filter": SearchParams(years=[2014, 2015]),
    "year-range": SearchParams(q="thông tin", year_from=2010, year_to=2015),
    "filters-combined": SearchParams(fields=["cntt", "bao-chi"], year_from=2005),
    "sorted-search": SearchParams(q="thông tin", sort="newest"),
    "second-page": SearchParams(q="thông tin", page=2, page_size=5),
}


def opensearch_param():
    return pytest.param(
        "opensearch",
        marks=pytest.mark.skipif(
            not OPENSEARCH_URL,
            reason="OpenSearch contract not run: set OPENSEARCH_URL to a test cluster "
            "(docs/opensearch.md)",
        ),
    )


ENGINES = ["whoosh", opensearch_param()]


def use_engine(name: str, whoosh_path: Path):
    """Point haystack's default connection at the engine ``name``; returns a cleanup."""
    if name == "whoosh":
        connection = {
            "ENGINE": "articles.search.engines.whoosh.haystack.WhooshHaystackEngine",
            "PATH": str(whoosh_path),
        }
    else:
        connection = {
            "ENGINE": "articles.search.engines.opensearch.haystack.OpenSearchHaystackEngine",
            "URL": OPENSEARCH_URL,
            # An index of its own per test: runs never see each other's documents.
            "INDEX_NAME": f"portal-contract-{uuid.uuid4().hex[:12]}",
        }
    settings.HAYSTACK_CONNECTIONS = {"default": connection}
    connections.connections_info = settings.HAYSTACK_CONNECTIONS
    connections.reload("default")

    def cleanup() -> None:
        if name == "opensearch":
            connections["default"].get_backend().engine.delete_all_indices()
        connections.reload("default")

    return cleanup


def import_small_set() -> dict[int, str]:
    """The small judged set's pages in the database and the index: pk -> name."""
    return evaluation.import_corpus(evaluation.JudgedSet.load(SMALL_SET))
