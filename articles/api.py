"""JSON endpoints: search (documented in the README) and suggestions."""

from __future__ import annotations

import json
import logging
from collections.abc import Callable
from functools import wraps

from django.http import HttpRequest, HttpResponse, JsonResponse
from django.views.decorators.http import require_GET

from articles.search.engines.base import SearchUnavailable
from articles.search.service import SearchOutcome, SearchParams
from articles.search.service import search as run_search


def serialize_outcome(outcome: SearchOutcome, request: HttpRequest) -> dict:
    results = []
    for hit in outcome.hits:
        article = hit.article
        results.append(
            {
                "id": article.pk,
                "title": article.title,
                "url": request.build_absolute_uri(article.get_absolute_url()),
                "date": article.date.isoformat() if article.date else None,
                "date_precision": article.date_precision,
                "date_display": article.date_display,
                "province": article.province.name if article.province_id else None,
                "province_slug": article.province.slug if article.province_id else None,
                "fields": [f.code for f in article.ict_fields],
                "snippet": str(hit.snippet),
                "score": round(hit.score, 4),
                "source": article.source or None,
                "provenance": {
                    "source_url": article.source_url or None,
                    "source_file": article.source_file,
                    "item": article.source_item,
                },
            }
        )
    facets = {
        name: [{"value": v.value, "label": v.label, "count": v.count} for v in values if v.count]
        for name, values in outcome.facets.items()
    }
    return {
        "query": outcome.params.q,
        "total": outcome.total,
        "page": outcome.params.page,
        "page_size": outcome.params.page_size,
        "pages": outcome.page_count,
        "sort": outcome.params.effective_sort,
        "results": results,
        "facets": facets,
        "suggestion": outcome.suggestion or None,
        # Results past ``exact_total`` are the nearest ones, without every word.
        "exact_total": outcome.exact_total if outcome.exact_total is not None else outcome.total,
    }


logger = logging.getLogger(__name__)


def json_errors(view: Callable[..., HttpResponse]) -> Callable[..., HttpResponse]:
    """A JSON client gets JSON even when the view fails, and the failure is logged."""

    @wraps(view)
    def wrapped(request: HttpRequest, *args, **kwargs) -> HttpResponse:
        try:
            return view(request, *args, **kwargs)
        except SearchUnavailable:
            raise  # a 503 (portal.unavailable), not a failure of ours
        except Exception:
            logger.exception("Internal error in %s %s", request.method, request.path)
            body = {"error": "Lỗi máy chủ; yêu cầu chưa được xử lý, hãy thử lại sau."}
            return json_response(body, status=500)

    return wrapped


@require_GET
@json_errors
def search(request: HttpRequest) -> JsonResponse:
    params = SearchParams.from_query_dict(request.GET)
    outcome = run_search(params)
    response = json_response(serialize_outcome(outcome, request))
    response["Access-Control-Allow-Origin"] = "*"
    return response


def json_response(data, status: int = 200) -> HttpResponse:
    """JSON in UTF-8 with <, > and & escaped, safe even if sniffed as HTML."""
    text = json.dumps(data, ensure_ascii=False)
    text = text.replace("<", "\\u003c").replace(">", "\\u003e").replace("&", "\\u0026")
    return HttpResponse(text, content_type="application/json; charset=utf-8", status=status)


@require_GET
@json_errors
def suggest(request: HttpRequest) -> JsonResponse:
    from articles.suggest import suggestions

    prefix = request.GET.get("q", "")
    items = suggestions(prefix)
    # The OpenSearch suggestions format: [query, [completions]].
    return JsonResponse([prefix, items], safe=False, json_dumps_params={"ensure_ascii": False})
