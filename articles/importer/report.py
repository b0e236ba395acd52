"""What an import run did, for the command's output and for tests."""

from __future__ import annotations

from dataclasses import dataclass, field
from enum import StrEnum


class Outcome(StrEnum):
    IMPORTED = "imported"
    UPDATED = "updated"
    UNCHANGED = "unchanged"


@dataclass(frozen=True)
class Skipped:
    source: str  # "003.txt" or "feed.jsonl line 7"
    reason: str

    def __str__(self) -> str:
        return f"skipped {self.source}: {self.reason}"


@dataclass(frozen=True)
class ItemResult:
    source_file: str
    source_item: int
    article_id: int
    outcome: Outcome
    title: str
    review_reasons: tuple[str, ...] = ()

    def __str__(self) -> str:
        line = f"{self.outcome} {self.source_file} #{self.source_item} → #{self.article_id}: "
        line += self.title[:80]
        if self.review_reasons:
            line += f" [review: {'; '.join(self.review_reasons)}]"
        return line


@dataclass
class ImportReport:
    files_read: int = 0
    items: list[ItemResult] = field(default_factory=list)
    skipped: list[Skipped] = field(default_factory=list)
    ignored: list[str] = field(default_factory=list)
    stale: list[str] = field(default_factory=list)
    index_error: str | None = None
    index_updated: bool = False

    def _count(self, outcome: Outcome) -> int:
        return sum(1 for item in self.items if item.outcome == outcome)

    @property
    def imported(self) -> int:
        return self._count(Outcome.IMPORTED)

    @property
    def updated(self) -> int:
        return self._count(Outcome.UPDATED)

    @property
    def unchanged(self) -> int:
        return self._count(Outcome.UNCHANGED)

    @property
    def changed(self) -> int:
        return self.imported + self.updated + len(self.stale)

    @property
    def needing_review(self) -> list[ItemResult]:
        return [
            item for item in self.items if item.review_reasons and item.outcome != Outcome.UNCHANGED
        ]

    @property
    def ok(self) -> bool:
        """True when nothing was skipped."""
        return not self.skipped

    def summary(self) -> str:
        files = "file" if self.files_read == 1 else "files"
        lines = [
            f"{self.files_read} {files} read: {self.imported} imported, "
            f"{self.updated} updated, {self.unchanged} unchanged, {len(self.skipped)} skipped."
        ]
        if self.needing_review:
            lines.append(f"{len(self.needing_review)} new or updated articles need review.")
        if self.stale:
            lines.append(
                f"{len(self.stale)} articles are no longer in their source file "
                f"(flagged for review): {', '.join(self.stale)}"
            )
        if self.ignored:
            lines.append(f"Ignored (not article files): {', '.join(self.ignored)}")
        if self.index_error:
            lines.append(
                f"Search index not updated ({self.index_error}); the changes stay queued "
                "and are applied by the next index update."
            )
        elif self.index_updated:
            lines.append("Search index updated.")
        return "\n".join(lines)
