"""When the search index cannot answer: a 503 that says so, and a log line.

Pages that need no search keep working; a page, feed, export or API call
that searches answers 503 with ``Retry-After`` (JSON for the API) and the
cause goes to the log for the operator (``sync_index`` reports it too,
``build_index`` repairs it).
"""

from __future__ import annotations

import logging

from django.http import HttpRequest, HttpResponse, JsonResponse
from django.template.loader import render_to_string
from django.templatetags.static import static

from articles.search.engines.base import SearchUnavailable

logger = logging.getLogger("articles.search")
RETRY_AFTER_SECONDS = 60


class SearchUnavailableMiddleware:
    def __init__(self, get_response) -> None:
        self.get_response = get_response

    def __call__(self, request: HttpRequest) -> HttpResponse:
        return self.get_response(request)

    def process_exception(self, request: HttpRequest, exception: Exception):
        if not isinstance(exception, SearchUnavailable):
            return None
        logger.error("Search unavailable for %s: %s", request.path, exception)
        if request.path.startswith("/api/"):
            response = JsonResponse(
                {"error": "Tìm kiếm tạm thời chưa dùng được, hãy thử lại sau."}, status=503
            )
        else:
            try:
                stylesheet = static("portal/site.css")
            except ValueError:
                stylesheet = ""
            html = render_to_string("503.html", {"stylesheet": stylesheet})
            response = HttpResponse(html, status=503)
        response["Retry-After"] = str(RETRY_AFTER_SECONDS)
        return response
