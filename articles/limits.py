"""Bounds on expensive requests, shared by every worker process of the server.

A full export reads and serializes up to ``PORTAL_EXPORT_MAX_ROWS`` articles;
a few at once would take both cores from the readers' searches. Exports run
in at most ``PORTAL_EXPORT_SLOTS`` slots at a time, machine-wide (a slot is
an exclusive lock on a small file in the data folder, released by the
operating system even when a worker dies); a request that finds every slot
taken is answered 429 with ``Retry-After``.
"""

from __future__ import annotations

import contextlib
import fcntl
from collections.abc import Iterator
from pathlib import Path
from typing import IO

from django.conf import settings
from django.http import HttpResponse

RETRY_AFTER_SECONDS = 10


def _folder() -> Path:
    folder = Path(settings.DATA_DIR) / "limits"
    folder.mkdir(parents=True, exist_ok=True)
    return folder


def take_slot(kind: str, count: int) -> IO | None:
    """An open slot file, locked, for as long as it stays open; None when all are taken."""
    for number in range(max(1, count)):
        handle = open(_folder() / f"{kind}-{number}.lock", "a+")  # noqa: SIM115
        try:
            fcntl.flock(handle, fcntl.LOCK_EX | fcntl.LOCK_NB)
        except BlockingIOError:
            handle.close()
            continue
        return handle
    return None


def holding(slot: IO, chunks: Iterator) -> Iterator:
    """``chunks``, the slot held until the last is sent (or the client goes)."""
    try:
        yield from chunks
    finally:
        with contextlib.suppress(OSError):
            slot.close()


def too_busy(message: str = "") -> HttpResponse:
    response = HttpResponse(
        message or "Máy chủ đang bận với các yêu cầu xuất dữ liệu khác; hãy thử lại sau ít giây.",
        status=429,
        content_type="text/plain; charset=utf-8",
    )
    response["Retry-After"] = str(RETRY_AFTER_SECONDS)
    return response
