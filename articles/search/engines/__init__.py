"""Search engines behind one interface (``base.SearchEngine``).

Which one serves is haystack's choice: ``HAYSTACK_CONNECTIONS['default']``
names the engine (Whoosh on disk by default, OpenSearch when
``PORTAL_SEARCH_ENGINE=opensearch``) and its backend holds ours.
"""

from __future__ import annotations

from articles.search.engines.base import SearchEngine

__all__ = ["SearchEngine", "get_engine"]


def get_engine(using: str = "default") -> SearchEngine:
    from haystack import connections

    return connections[using].get_backend().engine
