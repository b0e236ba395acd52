"""Import article files into the archive.

Provenance makes imports repeatable: an article is identified by its source
file's base name and its item number in that file, and remembers the
SHA-256 of the bytes it came from. Importing the same bytes again changes
nothing (no save, no index work); changed bytes update the articles in
place. Each file is imported in its own transaction, so a failure leaves
no half-imported file behind; files never imported before go in groups
(``batch``), and a group that fails is imported again file by file.
"""

from __future__ import annotations

import hashlib
import logging
import os
from collections.abc import Iterable
from dataclasses import dataclass, field
from pathlib import Path
from typing import Protocol

from django.db import DatabaseError, connections, transaction
from django.db.models import Q

from articles.importer import batch
from articles.importer.duplicates import first_duplicate, set_duplicate
from articles.importer.extraction import ExtractedArticle
from articles.importer.fields import make_field_lookup
from articles.importer.preparing import (
    Extractor,
    FileKind,
    PlannedFile,
    PreparedFile,
    PreparedLine,
    prepared_files,
)
from articles.importer.provinces import ProvinceMatcher, ProvinceName
from articles.importer.report import ImportReport, ItemResult, Outcome, Skipped
from articles.importer.sites import SiteTable, site_data
from articles.models import Article, IctField, Province
from articles.search.index import queue as indexing
from articles.text import collapse_spaces, normalize

logger = logging.getLogger(__name__)

TEXT_SUFFIXES = frozenset({".txt", ""})
JSONL_SUFFIXES = frozenset({".jsonl", ".ndjson"})
# Sidecar data next to the articles (expected.json, manifests): not articles, not errors.
IGNORED_SUFFIXES = frozenset({".json"})

REASON_STALE = "no longer in its source file"


class Progress(Protocol):
    def start(self, total: int) -> None: ...

    def advance(self, name: str) -> None: ...

    def finish(self) -> None: ...


@dataclass
class FilePlan:
    files: list[PlannedFile] = field(default_factory=list)
    ignored: list[str] = field(default_factory=list)
    skipped: list[Skipped] = field(default_factory=list)


def collect_files(paths: Iterable[str | os.PathLike[str]]) -> FilePlan:
    """The files to import under ``paths``: folders are walked in sorted order."""
    plan = FilePlan()
    seen: set[Path] = set()
    for given in paths:
        path = Path(given)
        if path.is_dir():
            for found in _walk(path):
                _plan_file(found, plan, seen, explicit=False)
        elif path.is_file():
            _plan_file(path, plan, seen, explicit=True)
        else:
            plan.skipped.append(Skipped(str(path), "no such file or folder"))
    return plan


def _walk(folder: Path) -> Iterable[Path]:
    for root, dirs, files in os.walk(folder):
        dirs[:] = sorted(d for d in dirs if not d.startswith("."))
        for name in sorted(files):
            if not name.startswith("."):
                yield Path(root) / name


def _plan_file(path: Path, plan: FilePlan, seen: set[Path], *, explicit: bool) -> None:
    resolved = path.resolve()
    if resolved in seen:
        return
    seen.add(resolved)
    suffix = path.suffix.lower()
    if suffix in TEXT_SUFFIXES:
        plan.files.append(PlannedFile(path, FileKind.TEXT))
    elif suffix in JSONL_SUFFIXES:
        plan.files.append(PlannedFile(path, FileKind.JSONL))
    elif suffix in IGNORED_SUFFIXES and not explicit:
        plan.ignored.append(path.name)
    else:
        plan.skipped.append(Skipped(path.name, f"not an article file ({suffix})"))


def import_paths(
    paths: Iterable[str | os.PathLike[str]],
    *,
    progress: Progress | None = None,
    update_index: bool = True,
    report: ImportReport | None = None,
    workers: int = 1,
) -> ImportReport:
    """Import every article file under ``paths`` and report what happened.

    With ``workers`` above 1 and many files, files are read and their
    articles extracted in that many processes while this one writes them to
    the database, in the same order and with the same result. Pass
    ``report`` to keep what was done so far if the run is interrupted.
    """
    plan = collect_files(paths)
    report = report if report is not None else ImportReport()
    report.ignored.extend(plan.ignored)
    report.skipped.extend(plan.skipped)
    importer = _Importer(report, known_names(f.path.name for f in plan.files))
    if progress:
        progress.start(len(plan.files))
    if workers > 1:
        _close_connections()
    try:
        # Index work is queued per save and applied once at the end, not per file.
        with indexing.indexing_deferred():
            importer.import_files(prepared_files(importer.extractor, plan.files, workers), progress)
    finally:
        if progress:
            progress.finish()
    if update_index and report.changed:
        _update_index(report)
    return report


def _close_connections() -> None:
    """Closed before worker processes are forked, so none inherits one (they
    never use the database); a caller's open transaction keeps its own."""
    for connection in connections.all(initialized_only=True):
        if not connection.in_atomic_block:
            connection.close()


def _update_index(report: ImportReport) -> None:
    try:
        indexing.drain()
    except Exception as exc:  # the archive is imported either way; the queue keeps the rest
        logger.exception("Import finished but the search index could not be updated")
        report.index_error = f"{type(exc).__name__}: {exc}"
    else:
        report.index_updated = True


def known_names(names: Iterable[str], chunk: int = 500) -> set[str]:
    """Which of these file names articles were imported from before: a file
    never seen needs no look-up of its earlier articles (one query per 500
    files instead of one per file)."""
    names, known = sorted(set(names)), set()
    for start in range(0, len(names), chunk):
        rows = Article.objects.filter(source_file__in=names[start : start + chunk])
        known.update(rows.values_list("source_file", flat=True).distinct())
    return known


def content_fingerprint(title: str, body: str) -> str:
    """Same words in the same order, whatever the Unicode form, spacing or case."""
    canonical = collapse_spaces(normalize(f"{title}\n{body}")).lower()
    return hashlib.sha256(canonical.encode("utf-8")).hexdigest()


class _Importer:
    def __init__(self, report: ImportReport, known: set[str]) -> None:
        self.report = report
        self.known = known  # file names that may have articles in the database
        self.seen_names: dict[str, str] = {}
        self.provinces = {p.name: p for p in Province.objects.all()}
        matcher = ProvinceMatcher(
            ProvinceName(p.name, tuple(p.variants or ())) for p in self.provinces.values()
        )
        sites = SiteTable(
            (ProvinceName(p.name, tuple(p.variants or ())) for p in self.provinces.values()),
            site_data(),
        )
        self.ict_fields = {f.code: f for f in IctField.objects.all()}
        field_lookup = make_field_lookup(
            (f.code, f.name, f.short_name) for f in self.ict_fields.values()
        )
        self.extractor = Extractor(matcher, sites, field_lookup)
        self.batches = batch.supported()

    def import_files(self, files: Iterable[PreparedFile], progress: Progress | None) -> None:
        """Files never imported before go in groups (``batch``), the others one by one."""
        group: list[PreparedFile] = []

        def flush() -> None:
            self._import_group(group, progress)
            group.clear()

        for prepared in files:
            if self._new_file(prepared):
                self.seen_names[prepared.name] = prepared.fingerprint
                group.append(prepared)
                if len(group) >= batch.GROUP_FILES:
                    flush()
                continue
            flush()
            self.import_file(prepared)
            if progress:
                progress.advance(prepared.name)
        flush()

    def _new_file(self, prepared: PreparedFile) -> bool:
        return (
            self.batches
            and prepared.planned.kind == FileKind.TEXT
            and not prepared.unread
            and not prepared.refused
            and bool(prepared.articles)
            and prepared.name not in self.known
            and prepared.name not in self.seen_names
        )

    def _import_group(self, group: list[PreparedFile], progress: Progress | None) -> None:
        if not group:
            return
        try:
            results = batch.insert_new_files(
                group, self.fill, {code: f.pk for code, f in self.ict_fields.items()}
            )
        except Exception:
            logger.exception("A group of new files failed; importing them one at a time")
            for prepared in group:
                del self.seen_names[prepared.name]
                self.import_file(prepared)
                if progress:
                    progress.advance(prepared.name)
            return
        for prepared in group:
            self.report.files_read += 1
            self.known.add(prepared.name)
            self.report.items.extend(results[prepared.name])
            if progress:
                progress.advance(prepared.name)

    def import_file(self, prepared: PreparedFile) -> None:
        try:
            self._import_file(prepared)
        except Exception as exc:
            # A bug or an input nobody foresaw must cost this file only: the
            # run goes on and the summary still lists it.
            logger.exception("Import of %s failed", prepared.planned.path)
            reason = f"internal error ({type(exc).__name__}: {str(exc)[:200]})"
            self.report.skipped.append(Skipped(prepared.name, " ".join(reason.split())))

    def _import_file(self, prepared: PreparedFile) -> None:
        name = prepared.name
        if prepared.unread:
            self.report.skipped.append(Skipped(name, prepared.unread))
            return
        if self.seen_names.setdefault(name, prepared.fingerprint) != prepared.fingerprint:
            # Provenance is the base name: a second, different file of that name
            # would overwrite the first one's articles.
            reason = "a different file with the same name was imported earlier in this run"
            self.report.skipped.append(Skipped(str(prepared.planned.path), reason))
            return
        self.report.files_read += 1
        if prepared.refused:
            self.report.skipped.append(Skipped(name, prepared.refused))
            return
        results: list[ItemResult] = []
        line_skips: list[Skipped] = []
        stale: list[str] = []
        try:
            with transaction.atomic():
                if prepared.planned.kind == FileKind.JSONL:
                    self._import_jsonl(name, prepared.lines, results, line_skips, stale)
                else:
                    self._import_text(name, prepared, results, stale)
        except DatabaseError as exc:
            self.report.skipped.append(Skipped(name, f"database error ({exc})"))
            return
        # Counted only once the file's transaction has committed.
        self.known.add(name)
        self.report.items.extend(results)
        self.report.skipped.extend(line_skips)
        self.report.stale.extend(stale)

    # -- one kind of file each ----------------------------------------------

    def _import_text(
        self, name: str, prepared: PreparedFile, results: list[ItemResult], stale: list[str]
    ) -> None:
        existing = self._existing(name)
        text, fingerprint, extracted = prepared.text, prepared.fingerprint, prepared.articles
        for article in extracted:
            current = existing.get(article.source_item)
            if current is not None and current.raw_fingerprint == fingerprint:
                # Same bytes as last time: leave the row (and any editor's
                # corrections to it) alone, do not even save it.
                results.append(self._unchanged(current))
            else:
                results.append(self._save(name, article, text, fingerprint, current))
        stale.extend(self._flag_stale(existing, {a.source_item for a in extracted}))

    def _import_jsonl(
        self,
        name: str,
        lines: list[PreparedLine],
        results: list[ItemResult],
        skips: list[Skipped],
        stale: list[str],
    ) -> None:
        existing = self._existing(name)
        numbers: set[int] = set()
        for line in lines:
            numbers.add(line.number)
            current = existing.get(line.number)
            if current is not None and current.raw_fingerprint == line.fingerprint:
                results.append(self._unchanged(current))
            elif line.article is None:
                skips.append(Skipped(f"{name} line {line.number}", line.skip))
            else:
                results.append(self._save(name, line.article, line.text, line.fingerprint, current))
        stale.extend(self._flag_stale(existing, numbers))

    # -- the database side -------------------------------------------------

    def _existing(self, name: str) -> dict[int, Article]:
        if name not in self.known:
            return {}
        return {a.source_item: a for a in Article.objects.filter(source_file=name)}

    def _unchanged(self, article: Article) -> ItemResult:
        return ItemResult(
            article.source_file,
            article.source_item,
            article.pk,
            Outcome.UNCHANGED,
            article.title,
            tuple(article.review_reasons or ()),
        )

    def _save(
        self,
        name: str,
        extracted: ExtractedArticle,
        raw_text: str,
        fingerprint: str,
        article: Article | None,
    ) -> ItemResult:
        outcome = Outcome.IMPORTED if article is None else Outcome.UPDATED
        if article is None:
            article = Article(source_file=name, source_item=extracted.source_item)
        reasons = self.fill(article, extracted, raw_text, fingerprint)
        duplicate = self._possible_duplicate(article)
        set_duplicate(article, duplicate, reasons)
        article.save()
        wanted = [self.ict_fields[code] for code in extracted.fields if code in self.ict_fields]
        if outcome == Outcome.IMPORTED:
            # A new article has no fields yet, and its save queued it for the
            # index already: one insert, not the manager's three queries.
            Through = Article.fields.through
            Through.objects.bulk_create(
                Through(article_id=article.pk, ictfield_id=field.pk) for field in wanted
            )
        elif set(article.fields.all()) != set(wanted):
            article.fields.set(wanted)
        return ItemResult(
            name, extracted.source_item, article.pk, outcome, article.title, tuple(reasons)
        )

    def fill(
        self, article: Article, extracted: ExtractedArticle, raw_text: str, fingerprint: str
    ) -> list[str]:
        """Set what the file says on ``article``; returns its review reasons so far."""
        reasons = list(extracted.review_reasons)
        article.province = self._province(extracted, reasons)
        article.title = extracted.title
        article.body = extracted.body
        article.date = extracted.date
        article.date_precision = extracted.date_precision
        article.byline = extracted.byline
        article.source = extracted.source
        article.source_url = extracted.source_url
        article.raw_text = raw_text
        article.raw_fingerprint = fingerprint
        article.fingerprint = content_fingerprint(extracted.title, extracted.body)
        article.import_signals = dict(extracted.signals)
        return reasons

    def _province(self, extracted: ExtractedArticle, reasons: list[str]) -> Province | None:
        if extracted.province is None:
            return None
        province = self.provinces.get(extracted.province)
        if province is None:
            reasons.append(f"province {extracted.province!r} is not in the province table")
        return province

    def _possible_duplicate(self, article: Article) -> Article | None:
        others = Article.objects.exclude(
            source_file=article.source_file, source_item=article.source_item
        )
        # The same text, or (a near-duplicate) the same headline, any accents
        # and case, on the same date: one query for both.
        candidates = Q(fingerprint=article.fingerprint)
        if article.date is not None:
            candidates |= Q(date=article.date)
        rows = list(others.filter(candidates).order_by("pk").only("pk", "title", "fingerprint"))
        return first_duplicate(article, rows)

    def _flag_stale(self, existing: dict[int, Article], numbers: set[int]) -> list[str]:
        flagged = []
        for number, article in sorted(existing.items()):
            if number in numbers:
                continue
            if REASON_STALE not in (article.review_reasons or []):
                article.review_reasons = [*(article.review_reasons or []), REASON_STALE]
                article.needs_review = True
                article.save(update_fields=["review_reasons", "needs_review", "updated_at"])
                flagged.append(f"{article.source_file} #{number}")
        return flagged
