"""The Whoosh engine as a haystack connection.

``HAYSTACK_CONNECTIONS['default']['ENGINE']`` names ``WhooshHaystackEngine``;
haystack then builds ``WhooshBackend`` for the connection, and
``articles.search.engines.get_engine()`` takes the ``WhooshEngine`` from it.
haystack's own calls (``update``, ``remove``, ``clear``, and ``search`` for
``SearchQuerySet``) are answered through the same engine and query plan as
the portal's pages.
"""

from __future__ import annotations

from django.conf import settings
from django.core.exceptions import ImproperlyConfigured
from haystack.backends import BaseEngine, BaseSearchBackend

from articles.search.engines.haystack_glue import PlanBackendMixin, PlanSearchQuery
from articles.search.engines.whoosh.engine import SEARCH_CACHE_MB, WARM_SECONDS, WhooshEngine
from articles.search.engines.whoosh.schema import build_schema


class WhooshBackend(PlanBackendMixin, BaseSearchBackend):
    def __init__(self, connection_alias, **connection_options):
        super().__init__(connection_alias, **connection_options)
        self.path = connection_options.get("PATH")
        if not self.path:
            raise ImproperlyConfigured(f"Connection {connection_alias!r} needs a 'PATH'.")
        self._engine: WhooshEngine | None = None

    @property
    def engine(self) -> WhooshEngine:
        if self._engine is None:
            from haystack import connections

            from articles.search.index.document import document_version

            fields = connections[self.connection_alias].get_unified_index().all_searchfields()
            _, schema = build_schema(fields)
            cache_mb = int(getattr(settings, "PORTAL_SEARCH_CACHE_MB", SEARCH_CACHE_MB))
            warm_seconds = float(getattr(settings, "PORTAL_WARM_SECONDS", WARM_SECONDS))
            self._engine = WhooshEngine(
                self.path,
                schema,
                cache_mb=cache_mb,
                stamp=document_version(),
                warm_seconds=warm_seconds,
            )
        return self._engine


class WhooshHaystackEngine(BaseEngine):
    backend = WhooshBackend
    query = PlanSearchQuery
