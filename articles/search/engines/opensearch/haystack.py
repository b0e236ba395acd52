"""The OpenSearch engine as a haystack connection.

``HAYSTACK_CONNECTIONS['default']`` with ``ENGINE`` naming
``OpenSearchHaystackEngine``, ``URL`` the cluster and ``INDEX_NAME`` the
alias (``portal/settings.py`` sets them from ``PORTAL_SEARCH_ENGINE``,
``OPENSEARCH_URL`` and ``OPENSEARCH_INDEX``).
"""

from __future__ import annotations

from django.core.exceptions import ImproperlyConfigured
from haystack.backends import BaseEngine, BaseSearchBackend

from articles.search.engines.haystack_glue import PlanBackendMixin, PlanSearchQuery
from articles.search.engines.opensearch.engine import OpenSearchEngine


class OpenSearchBackend(PlanBackendMixin, BaseSearchBackend):
    def __init__(self, connection_alias, **connection_options):
        super().__init__(connection_alias, **connection_options)
        self.options = connection_options
        if not connection_options.get("URL"):
            raise ImproperlyConfigured(
                f"Connection {connection_alias!r} needs the cluster's 'URL' (OPENSEARCH_URL)."
            )
        self._engine: OpenSearchEngine | None = None

    @property
    def engine(self) -> OpenSearchEngine:
        if self._engine is None:
            from haystack import connections
            from opensearchpy import OpenSearch

            from articles.search.index.document import document_version

            fields = connections[self.connection_alias].get_unified_index().all_searchfields()
            client = OpenSearch(
                hosts=[self.options["URL"]],
                timeout=float(self.options.get("TIMEOUT", 10)),
                http_compress=True,
                **self.options.get("KWARGS", {}),
            )
            self._engine = OpenSearchEngine(
                client,
                self.options.get("INDEX_NAME", "portal-articles"),
                fields,
                stamp=document_version(),
                shards=int(self.options.get("SHARDS", 1)),
                replicas=int(self.options.get("REPLICAS", 0)),
            )
        return self._engine


class OpenSearchHaystackEngine(BaseEngine):
    backend = OpenSearchBackend
    query = PlanSearchQuery
