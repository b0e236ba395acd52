"""Admin login throttling: after ``PORTAL_LOGIN_MAX_FAILURES`` wrong passwords
for one user name from one address within ``PORTAL_LOGIN_WINDOW_SECONDS``,
further attempts are refused with 429 and ``Retry-After`` until the oldest
of them leaves the window. Failures are kept in the database, so every
worker process counts the same; a successful login clears them.
"""

from __future__ import annotations

import datetime as dt
import logging

from django.conf import settings
from django.contrib import admin
from django.contrib.auth.signals import user_logged_in, user_login_failed
from django.dispatch import receiver
from django.http import HttpRequest, HttpResponse
from django.utils import timezone

from articles.models import LoginFailure

logger = logging.getLogger(__name__)


def client_address(request: HttpRequest | None) -> str:
    if request is None:
        return ""
    if getattr(settings, "PORTAL_BEHIND_PROXY", False):
        forwarded = request.META.get("HTTP_X_FORWARDED_FOR", "")
        if forwarded:
            return forwarded.split(",")[0].strip()[:64]
    return request.META.get("REMOTE_ADDR", "")[:64]


def _recent(address: str, username: str):
    since = timezone.now() - dt.timedelta(seconds=settings.PORTAL_LOGIN_WINDOW_SECONDS)
    return LoginFailure.objects.filter(address=address, username=username, at__gte=since)


def seconds_blocked(address: str, username: str) -> int:
    """How long attempts for ``username`` from ``address`` stay refused (0: allowed)."""
    recent = _recent(address, username)
    if recent.count() < settings.PORTAL_LOGIN_MAX_FAILURES:
        return 0
    oldest = recent.order_by("at").values_list("at", flat=True).first()
    ends = oldest + dt.timedelta(seconds=settings.PORTAL_LOGIN_WINDOW_SECONDS)
    return max(1, int((ends - timezone.now()).total_seconds()) + 1)


@receiver(user_login_failed)
def _count_failure(sender, credentials, request=None, **kwargs) -> None:
    username = str(credentials.get("username", ""))[:150]
    address = client_address(request)
    LoginFailure.objects.create(address=address, username=username)
    logger.warning("Failed admin login for %r from %s", username, address)


@receiver(user_logged_in)
def _clear_failures(sender, request, user, **kwargs) -> None:
    LoginFailure.objects.filter(
        address=client_address(request), username=user.get_username()
    ).delete()


def login(request: HttpRequest, extra_context=None) -> HttpResponse:
    """The admin's login view, refusing attempts past the limit."""
    if request.method == "POST":
        username = request.POST.get("username", "")[:150]
        wait = seconds_blocked(client_address(request), username)
        if wait:
            minutes = max(1, round(wait / 60))
            response = HttpResponse(
                f"Đăng nhập sai quá nhiều lần; hãy thử lại sau khoảng {minutes} phút.",
                status=429,
                content_type="text/plain; charset=utf-8",
            )
            response["Retry-After"] = str(wait)
            return response
    return admin.site.login(request, extra_context)
