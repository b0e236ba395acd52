"""The page shown for a server error.

It must render when nothing else works: no database, no search index, no
request context and, in a broken deployment, no static files manifest.
"""

from __future__ import annotations

import logging

from django.http import HttpRequest, HttpResponseServerError
from django.template.loader import render_to_string
from django.templatetags.static import static

logger = logging.getLogger(__name__)

FALLBACK = (
    '<!doctype html><html lang="vi"><meta charset="utf-8"><title>Lỗi máy chủ</title>'
    "<h1>Xin lỗi, máy chủ gặp sự cố</h1><p>Hãy thử lại sau ít phút.</p></html>"
)


def server_error(request: HttpRequest) -> HttpResponseServerError:
    try:
        stylesheet = static("portal/site.css")
    except ValueError:  # collectstatic has not run: the page goes unstyled
        stylesheet = ""
    try:
        html = render_to_string("500.html", {"stylesheet": stylesheet})
    except Exception:
        logger.exception("The error page itself could not be rendered")
        html = FALLBACK
    return HttpResponseServerError(html)
