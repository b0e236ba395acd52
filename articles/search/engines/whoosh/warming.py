"""A rebuilt index made ready in a serving process before it serves.

A process that has been answering searches keeps, for its generation of the
index, the merged and scored postings of the words readers ask for, the
phrase matches, the field lengths and facet arrays (``snapshot``). A new
generation starts without any of them: at 100,000 articles its first
searches took 0.3 to 0.4 s each instead of 20 ms. So when a rebuild
switches generations, the process goes on answering from the generation it
has (still complete: a rebuild keeps the previous one on disk) while a
thread opens the new one and runs on it the searches this process answered
last (``Recent``); then the process moves to the new generation, warm.

Writes never wait for this: they go to the serving generation on disk at
once, and become visible in this process when it moves (seconds).

The thread gives way to the requests the process answers: both need the
interpreter lock, and a search that shared it with the thread took twice as
long (at 100,000 articles, p95 107 ms right after a switch against 26 ms).
While a request is being answered (Django's request signals, connected in
``articles.signals``), the thread waits at its next Python call, so it
warms in the gaps between requests.
"""

from __future__ import annotations

import logging
import sys
import threading
import time
from collections import OrderedDict
from collections.abc import Callable
from typing import TYPE_CHECKING

if TYPE_CHECKING:
    from articles.search.engines.whoosh.engine import WhooshEngine
    from articles.search.plan import QueryPlan

logger = logging.getLogger(__name__)

# The distinct searches replayed on a new generation, newest first.
RECENT_PLANS = 200
RECENT_SPELLINGS = 400


class Recent:
    """The query plans and spelling keys a process read lately, newest last."""

    def __init__(self, plans: int = RECENT_PLANS, spellings: int = RECENT_SPELLINGS) -> None:
        self._plans: OrderedDict[str, QueryPlan] = OrderedDict()
        self._spellings: OrderedDict[str, None] = OrderedDict()
        self._sizes = (plans, spellings)
        self._lock = threading.Lock()

    def plan(self, plan: QueryPlan) -> None:
        self._remember(self._plans, repr(plan), plan, self._sizes[0])

    def spelling(self, key: str) -> None:
        self._remember(self._spellings, key, None, self._sizes[1])

    def _remember(self, items: OrderedDict, key: str, value, size: int) -> None:
        with self._lock:
            items[key] = value
            items.move_to_end(key)
            while len(items) > size:
                items.popitem(last=False)

    def __bool__(self) -> bool:
        return bool(self._plans or self._spellings)

    def newest_first(self) -> tuple[list[QueryPlan], list[str]]:
        with self._lock:
            return list(reversed(self._plans.values())), list(reversed(self._spellings))


class Answering:
    """How many requests this process is answering now."""

    def __init__(self) -> None:
        self._count = 0
        self._lock = threading.Lock()
        self.idle = threading.Event()
        self.idle.set()

    def started(self, **kwargs) -> None:
        with self._lock:
            self._count += 1
            self.idle.clear()

    def finished(self, **kwargs) -> None:
        with self._lock:
            self._count = max(0, self._count - 1)
            if not self._count:
                self.idle.set()


answering = Answering()
# The longest a warming thread waits for one request before going on (a
# streamed export must not hold it back for minutes).
GIVE_WAY_SECONDS = 0.5


def _give_way(frame, event, arg) -> None:
    """The warming thread's profile hook: called on each of its calls."""
    if event == "call" and not answering.idle.is_set():
        answering.idle.wait(GIVE_WAY_SECONDS)


class Warming:
    """A thread opening generation ``name`` in an engine of its own and
    running the recent searches on it, for at most ``seconds``."""

    def __init__(
        self,
        name: str,
        open_engine: Callable[[], WhooshEngine],
        recent: Recent,
        seconds: float,
    ) -> None:
        self.name = name
        self.engine: WhooshEngine | None = None
        self.error: BaseException | None = None
        self.replayed = 0
        self.seconds = 0.0
        self._open_engine = open_engine
        self._recent = recent
        self._budget = seconds
        self._done = threading.Event()
        self._thread = threading.Thread(target=self._run, name=f"warm-{name}", daemon=True)
        self._thread.start()

    @property
    def done(self) -> bool:
        return self._done.is_set()

    def wait(self, timeout: float | None = None) -> bool:
        return self._done.wait(timeout)

    def _run(self) -> None:
        started = time.monotonic()
        deadline = started + self._budget
        sys.setprofile(_give_way)  # this thread only
        try:
            self.engine = engine = self._open_engine()
            engine.snapshot()
            plans, spellings = self._recent.newest_first()
            for key in spellings:
                if time.monotonic() > deadline:
                    break
                engine.spelling_variants(key)
            for plan in plans:
                if time.monotonic() > deadline:
                    break
                engine.search(plan)
                self.replayed += 1
        except Exception as exc:  # the process then opens the generation cold
            self.error = exc
            logger.warning("warming generation %s failed: %s", self.name, exc)
        else:
            logger.info(
                "generation %s warmed: %d searches replayed in %.1f s",
                self.name,
                self.replayed,
                time.monotonic() - started,
            )
        finally:
            sys.setprofile(None)
            self.seconds = time.monotonic() - started
            self._done.set()
