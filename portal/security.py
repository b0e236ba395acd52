"""Response headers Django 5.2 does not set itself: the Content-Security-Policy.

One policy for the reader pages (``PORTAL_CSP``: everything from the site
itself, nothing inline) and a slightly wider one for the admin, whose
widgets set inline styles (``PORTAL_ADMIN_CSP``). A view that already set
the header keeps its own.
"""

from __future__ import annotations

from collections.abc import Callable

from django.conf import settings
from django.http import HttpRequest, HttpResponse
from django.urls import reverse

HEADER = "Content-Security-Policy"


class ContentSecurityPolicyMiddleware:
    def __init__(self, get_response: Callable[[HttpRequest], HttpResponse]) -> None:
        self.get_response = get_response
        self.admin_prefix = reverse("admin:index")

    def __call__(self, request: HttpRequest) -> HttpResponse:
        response = self.get_response(request)
        if HEADER not in response:
            admin = request.path.startswith(self.admin_prefix)
            policy = settings.PORTAL_ADMIN_CSP if admin else settings.PORTAL_CSP
            if policy:
                response[HEADER] = policy
        return response
