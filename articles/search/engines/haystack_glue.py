"""What every engine's haystack backend shares: haystack's calls answered
through the engine interface.

haystack defines the search document (``articles.search_indexes``) and,
through ``HAYSTACK_CONNECTIONS``, which engine serves it. The portal's
queries do not go through ``SearchQuerySet``: they are query plans
(``articles.search.plan``) run by the engine. ``SearchQuerySet`` still
works for what haystack's tools and a shell session use it for: browsing
everything or filtering by a facet field's value, with facet counts, and
plain words in the reader's syntax.
"""

from __future__ import annotations

import re

from django.conf import settings
from haystack.backends import BaseSearchQuery
from haystack.models import SearchResult

from articles.search.plan import FACET_FIELDS, QueryPlan

_FIELD_VALUE = re.compile(r"\b(" + "|".join(FACET_FIELDS) + r"):\(?\"?([^\s()\"]+)\"?\)?")
_OPERATORS = re.compile(r"\b(?:AND|OR|NOT)\b|[()]")


def _pk(obj_or_string) -> int:
    if isinstance(obj_or_string, str):
        return int(obj_or_string.rsplit(".", 1)[-1])
    return int(obj_or_string.pk)


class PlanBackendMixin:
    """haystack's backend methods on top of ``self.engine``."""

    def update(self, index, iterable, commit=True):
        documents = [index.full_prepare(obj) for obj in iterable]
        if not documents:
            return
        with self.engine.writer(settings.PORTAL_INDEX_LOCK_TIMEOUT) as writer:
            writer.add(documents)

    def remove(self, obj_or_string, commit=True):
        with self.engine.writer(settings.PORTAL_INDEX_LOCK_TIMEOUT) as writer:
            writer.delete([_pk(obj_or_string)])

    def clear(self, models=None, commit=True):
        self.engine.clear()

    def search(self, query_string, **kwargs):
        from articles.search.planner import plan_for_text

        narrow = " ".join(str(q) for q in kwargs.get("narrow_queries") or ())
        text = f"{query_string or ''} {narrow}"
        filters: dict[str, list[str]] = {}
        for name, value in _FIELD_VALUE.findall(text):
            filters.setdefault(name, []).append(value)
        words = _OPERATORS.sub(" ", _FIELD_VALUE.sub(" ", text)).replace("*:*", " ")
        words = " ".join(w for w in words.split() if w != "*")
        facets = tuple(f.removesuffix("_exact") for f in kwargs.get("facets") or ())
        start = kwargs.get("start_offset") or 0
        end = kwargs.get("end_offset")
        sort = "relevance"
        for order in kwargs.get("sort_by") or ():
            if order.lstrip("-") in {"pub", "date"}:
                sort = "newest" if order.startswith("-") else "oldest"
        plan = plan_for_text(words)
        plan = QueryPlan(
            groups=plan.groups,
            scoring=plan.scoring,
            exclude=plan.exclude,
            filters={k: tuple(v) for k, v in filters.items()},
            facets=facets,
            sort=sort,
            offset=start,
            limit=max((end - start) if end is not None else 20, 0),
        )
        result = self.engine.search(plan)
        result_class = kwargs.get("result_class") or SearchResult
        hits = [result_class("articles", "article", str(pk), score) for pk, score in result.hits]
        counts = {
            requested: sorted(
                result.facets.get(requested.removesuffix("_exact"), {}).items(),
                key=lambda item: (-item[1], item[0]),
            )
            for requested in kwargs.get("facets") or ()
        }
        return {
            "results": hits,
            "hits": result.total,
            "facets": {"fields": counts, "dates": {}, "queries": {}},
            "spelling_suggestion": None,
        }


class PlanSearchQuery(BaseSearchQuery):
    """haystack's query builder, writing what ``PlanBackendMixin.search`` reads:
    ``field:value`` for facet fields, the words themselves for text."""

    def matching_all_fragment(self):
        return "*"

    def build_query_fragment(self, field, filter_type, value):
        from haystack import connections

        value = value.query_string if hasattr(value, "query_string") else str(value)
        if field == "content":
            return value
        name = connections[self._using].get_unified_index().get_index_fieldname(field)
        return f"{name}:{value}"
