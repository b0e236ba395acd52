"""What every search engine offers the rest of the portal.

The service, curation, the admin, feeds and exports search through
``SearchEngine.search(plan)``; the index queue and the rebuild write through
the lifecycle methods. ``get_engine()`` (``articles.search.engines``) gives
the configured one: ``HAYSTACK_CONNECTIONS['default']['ENGINE']`` names the
haystack engine class, whose backend holds ours.
"""

from __future__ import annotations

from abc import ABC, abstractmethod
from collections.abc import Callable, Iterable, Mapping
from contextlib import AbstractContextManager
from dataclasses import dataclass, field

from articles.search.plan import EngineResult, QueryPlan

Document = Mapping[str, object]  # field name -> value, as ArticleIndex.full_prepare gives it


class SearchUnavailable(Exception):
    """The index cannot answer (damaged, missing, unreachable); the reason is for the log."""


class IndexLocked(Exception):
    """Another writer holds the index; the change stays queued."""


class IndexWriter(AbstractContextManager):
    """A batch of changes, applied together by ``commit()`` (or by leaving the
    ``with`` block without an error); dropped by ``cancel()``."""

    @abstractmethod
    def add(self, documents: Iterable[Document]) -> int: ...

    @abstractmethod
    def delete(self, ids: Iterable[int]) -> None: ...

    @abstractmethod
    def commit(self) -> None: ...

    @abstractmethod
    def cancel(self) -> None: ...

    def __exit__(self, exc_type, exc, tb) -> None:
        if exc_type is None:
            self.commit()
        else:
            self.cancel()


@dataclass
class BuildReport:
    documents: int
    seconds: float
    workers: int
    index_bytes: int
    segments: int
    cpu_seconds: float = 0.0  # this process and its workers
    timings: dict[str, float] = field(default_factory=dict)
    # Peak resident memory of the build, all processes together (an upper
    # bound: each worker counted at the largest worker's peak).
    memory_mb: float = 0.0

    def as_dict(self) -> dict:
        return {
            "documents": self.documents,
            "seconds": round(self.seconds, 2),
            "rate": round(self.rate, 2),
            "workers": self.workers,
            "index_bytes": self.index_bytes,
            "segments": self.segments,
            "cpu_seconds": round(self.cpu_seconds, 2),
            "memory_mb": round(self.memory_mb, 1),
            **{k: round(v, 2) for k, v in self.timings.items()},
        }

    @property
    def rate(self) -> float:
        return self.documents / self.seconds if self.seconds else 0.0

    def summary(self) -> str:
        return (
            f"Đã lập chỉ mục {self.documents} bài trong {self.seconds:.1f} s "
            f"({self.rate:.1f} bài/s, {self.workers} tiến trình, {self.segments} phân đoạn, "
            f"{self.index_bytes / 1024 / 1024:.0f} MB; bộ nhớ tối đa {self.memory_mb:.0f} MB)."
        )


class SearchEngine(ABC):
    name = ""

    # -- reading -------------------------------------------------------------------

    @abstractmethod
    def search(self, plan: QueryPlan) -> EngineResult:
        """Match, filter, count facets, sort and page, as the plan says."""

    @abstractmethod
    def document_frequencies(self, field: str, terms: Iterable[str]) -> dict[str, int]:
        """How many documents hold each term (for weighing a query's words)."""

    @abstractmethod
    def spelling_variants(self, folded: str) -> dict[str, int]:
        """Every spelling of a folded syllable in the index ("so" -> "số", "sở",
        "sơ" …), with how many documents hold it."""

    @abstractmethod
    def doc_count(self) -> int: ...

    @abstractmethod
    def indexed_ids(self) -> set[int]:
        """Ids of the articles the index holds now."""

    @abstractmethod
    def verify(self) -> list[str]:
        """What is damaged in the serving index, in Vietnamese (empty: nothing).

        Reads the whole index back, so it is for explicit checks, not requests.
        """

    # -- writing -------------------------------------------------------------------

    @abstractmethod
    def writer(self, timeout: float | None = None) -> IndexWriter:
        """A writer for a batch of changes; raises ``IndexLocked`` after ``timeout``."""

    @abstractmethod
    def clear(self) -> None:
        """Remove every document."""

    @abstractmethod
    def rebuild(
        self,
        ids: list[int],
        *,
        workers: int = 2,
        log: Callable[[str], None] | None = None,
        stamp: str = "",
    ) -> BuildReport:
        """Index the articles ``ids`` from scratch, beside the index that serves,
        and switch to it when complete; edits made meanwhile are kept. The new
        index is stamped with ``stamp`` (``document.DOCUMENT_VERSION``)."""

    @abstractmethod
    def format_stamp(self) -> str | None:
        """The stamp of the last rebuild (None: never rebuilt by this code)."""

    def close(self) -> None:  # noqa: B027 (optional: engines without open files need nothing)
        """Let go of open files and connections (tests, a rebuild's switch)."""
