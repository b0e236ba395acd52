"""manage.py import_articles PATH [PATH ...]: import scraped article files."""

from __future__ import annotations

import os
import sys

from django.core.management.base import BaseCommand, CommandError, CommandParser
from tqdm import tqdm

from articles.importer.pipeline import import_paths
from articles.importer.report import ImportReport

# Below this many files a progress bar is more noise than help.
PROGRESS_BAR_FROM = 20


class TqdmProgress:
    """A progress bar on stderr, only when stderr is a terminal and the run is long."""

    def __init__(self, enabled: bool) -> None:
        self.enabled = enabled
        self.bar: tqdm | None = None

    def start(self, total: int) -> None:
        show = self.enabled and total > PROGRESS_BAR_FROM and sys.stderr.isatty()
        self.bar = tqdm(total=total, unit="file", file=sys.stderr, disable=not show, leave=False)

    def advance(self, name: str) -> None:
        if self.bar is not None:
            self.bar.set_postfix_str(name, refresh=False)
            self.bar.update(1)

    def finish(self) -> None:
        if self.bar is not None:
            self.bar.close()


class Command(BaseCommand):
    help = (
        "Import articles from text files (*.txt or no suffix, headline on the first line) "
        "and JSON Lines files (*.jsonl). Folders are walked; *.json files are ignored. "
        "Re-importing unchanged files changes nothing. Exits with status 1 when a file "
        "or line was skipped."
    )

    def add_arguments(self, parser: CommandParser) -> None:
        parser.add_argument("paths", nargs="+", help="files or folders to import")
        parser.add_argument("--no-progress", action="store_true", help="never show a progress bar")
        parser.add_argument(
            "--no-index",
            action="store_true",
            help="leave the search index updates queued instead of applying them now",
        )
        parser.add_argument(
            "--workers",
            type=int,
            default=os.cpu_count() or 1,
            help="processes reading and extracting files when there are many "
            "(default: one per core; the database is written by this one)",
        )

    def handle(self, *args, **options) -> None:
        progress = TqdmProgress(enabled=not options["no_progress"])
        report = ImportReport()
        try:
            import_paths(
                options["paths"],
                progress=progress,
                update_index=not options["no_index"],
                report=report,
                workers=options["workers"],
            )
        except KeyboardInterrupt:
            # What was imported is committed file by file: say how far it got.
            self._print(report, options)
            self.stderr.write("Interrupted: the files not listed above were not imported.")
            raise CommandError("interrupted", returncode=130) from None
        self._print(report, options)
        if report.skipped:
            count = len(report.skipped)
            raise CommandError(f"{count} file(s) or line(s) skipped; see the reasons above.")

    def _print(self, report: ImportReport, options) -> None:
        for skipped in report.skipped:
            self.stderr.write(self.style.WARNING(str(skipped)))
        if options["verbosity"] >= 2:
            for item in report.items:
                self.stdout.write(str(item))
        self.stdout.write(report.summary())
        if report.index_error:
            self.stderr.write(self.style.WARNING(f"search index not updated: {report.index_error}"))
