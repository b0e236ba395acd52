"""Progress of a long index build, as lines in the log with an estimate of the time left."""

from __future__ import annotations

import time
from collections.abc import Callable


class Progress:
    """A line every few seconds: done, total, rate and the time left."""

    def __init__(self, total: int, log: Callable[[str], None] | None, every: float = 5.0):
        self.total, self.log, self.every = total, log, every
        self.started = self.shown = time.perf_counter()
        self.last = -1

    def update(self, done: int) -> None:
        if self.log is None:
            return
        now, complete = time.perf_counter(), done == self.total
        if (complete and self.last == done) or (not complete and now - self.shown < self.every):
            return  # the end is said once, the rest every few seconds
        self.shown, self.last = now, done
        elapsed = now - self.started
        rate = done / elapsed if elapsed > 0 else 0.0
        left = (self.total - done) / rate if rate else 0.0
        width = 30
        filled = int(width * done / self.total) if self.total else width
        bar = "#" * filled + "." * (width - filled)
        self.log(
            f"  [{bar}] {done}/{self.total} bài, {rate:.0f} bài/s, "
            f"đã chạy {elapsed:.0f} s, còn khoảng {left:.0f} s"
        )
