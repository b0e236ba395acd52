"""Small tables read from the database on every request, kept per process.

Provinces, ICT fields and abbreviations change a few times a year, in the
admin; every results page needs them. Each process keeps what it loaded for
``ttl`` seconds, so an edit made in another process shows within that time,
and the process that saved it forgets at once (see ``articles.signals`` and
``articles.admin``).
"""

from __future__ import annotations

import time
from collections.abc import Callable
from typing import Generic, TypeVar

T = TypeVar("T")

TTL = 30.0


class ProcessCache(Generic[T]):
    def __init__(self, load: Callable[[], T], ttl: float = TTL) -> None:
        self._load = load
        self._ttl = ttl
        self._value: T | None = None
        self._loaded = 0.0

    def get(self) -> T:
        now = time.monotonic()
        if self._value is None or now - self._loaded > self._ttl:
            self._value = self._load()
            self._loaded = now
        return self._value

    def forget(self, **kwargs) -> None:
        """Load again on next use (also usable as a signal receiver)."""
        self._value = None
