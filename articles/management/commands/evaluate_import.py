"""``manage.py evaluate_import FOLDER``: the importer's accuracy on a set of
hand-labelled real pages (see ``articles.importer.accuracy``).

    manage.py evaluate_import tests/realpages/dev --misses
"""

from __future__ import annotations

from django.core.management.base import BaseCommand, CommandParser

from articles.importer.accuracy import evaluate, reasons_count


class Command(BaseCommand):
    help = "Độ chính xác của việc nhập bài trên một bộ trang thật đã gán nhãn."

    def add_arguments(self, parser: CommandParser) -> None:
        parser.add_argument("folder", help="folder with pages.jsonl and labels.jsonl")
        parser.add_argument("--misses", action="store_true", help="list every wrong label")

    def handle(self, *args, folder: str, misses: bool, **options) -> None:
        report = evaluate(folder)
        for name, value in report.figures().items():
            shown = f"{value:.3f}" if isinstance(value, float) else str(value)
            self.stdout.write(f"{name:32s} {shown}")
        for result in report.dropped:
            self.stdout.write(f"dropped {result.label.id}: {result.dropped}")
        if misses:
            for label, lines in report.misses().items():
                self.stdout.write(f"\n{label} ({len(lines)} wrong):")
                for line in lines:
                    self.stdout.write(f"  {line}")
            self.stdout.write("\nreview reasons:")
            for reason, count in reasons_count(report).most_common():
                self.stdout.write(f"  {count:4d}  {reason}")
