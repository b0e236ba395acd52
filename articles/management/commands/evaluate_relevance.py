"""``manage.py evaluate_relevance SET [SET …]``: nDCG@10 of judged query sets,
by kind of query, beside the plain baselines.

    manage.py evaluate_relevance tests/relevance/real tests/relevance/small

Each set's corpus is imported and indexed in a scratch data folder (its own
SQLite database and index, in a child process), never the archive.
"""

from __future__ import annotations

import os
import subprocess
import sys
import tempfile

from django.conf import settings
from django.core.management import call_command
from django.core.management.base import BaseCommand, CommandError

from articles.search import evaluation


class Command(BaseCommand):
    help = "Đánh giá chất lượng xếp hạng (nDCG@10) trên các bộ truy vấn đã chấm."

    def add_arguments(self, parser) -> None:
        parser.add_argument("sets", nargs="+", help="folders with queries.json")
        parser.add_argument("--verbose-queries", action="store_true", help="one line a query")
        parser.add_argument("--no-baselines", action="store_true")
        parser.add_argument("--in-scratch", action="store_true", help=argparse_hidden())

    def handle(self, *args, sets, verbose_queries, no_baselines, in_scratch, **options):
        if not in_scratch:
            self._run_in_scratch(sets, verbose_queries, no_baselines)
            return
        call_command("migrate", verbosity=0)
        for folder in sets:
            result = evaluation.evaluate(folder, baselines=not no_baselines)
            self._report(folder, result, verbose_queries)
            from articles.models import Article

            Article.objects.all().delete()

    def _run_in_scratch(self, sets, verbose: bool, no_baselines: bool) -> None:
        with tempfile.TemporaryDirectory(prefix="evaluate-relevance-") as scratch:
            env = {k: v for k, v in os.environ.items() if k != "DATABASE_URL"}
            env.update(
                PORTAL_DATA_DIR=scratch,
                WHOOSH_INDEX_PATH=os.path.join(scratch, "index"),
                SECRET_KEY=settings.SECRET_KEY,
                DJANGO_SETTINGS_MODULE=os.environ.get("DJANGO_SETTINGS_MODULE", "portal.settings"),
            )
            command = [sys.executable, "-m", "django", "evaluate_relevance", *sets, "--in-scratch"]
            if verbose:
                command.append("--verbose-queries")
            if no_baselines:
                command.append("--no-baselines")
            done = subprocess.run(command, env=env, cwd=settings.BASE_DIR)
            if done.returncode:
                raise CommandError("the evaluation failed (see above)")

    def _report(self, folder: str, result: evaluation.Evaluation, verbose: bool) -> None:
        write = self.stdout.write
        portal = evaluation.by_kind(result.portal)
        write(f"\n{folder}: {len(result.portal)} truy vấn")
        if verbose:
            for r in result.portal:
                write(
                    f"  {r.ndcg:5.3f}  {r.case.kind:14s} {r.case.q!r:50s} {' '.join(r.ranking[:5])}"
                )
        names = list(result.baselines)
        header = f"  {'loại':15s} {'cổng':>7s}" + "".join(f" {n[:22]:>24s}" for n in names)
        write(header)
        others = {n: evaluation.by_kind(r) for n, r in result.baselines.items()}
        for kind, value in portal.items():
            row = f"  {kind:15s} {value:7.3f}"
            row += "".join(f" {others[n].get(kind, 0.0):24.3f}" for n in names)
            write(row)
        if names:
            write(f"  hơn đường cơ sở tốt nhất: {result.margin:+.3f}")
        mismatches = evaluation.variant_mismatches(result.portal)
        if mismatches:
            write(f"  biến thể cho 10 kết quả đầu khác nhau: {mismatches}")
        else:
            write("  mọi biến thể (không dấu, cách bỏ dấu thanh) cho cùng 10 kết quả đầu")
        empty = evaluation.empty_results(result.portal)
        if empty:
            write(f"  truy vấn nhiều từ không ra kết quả nào: {empty}")


def argparse_hidden() -> str:
    import argparse

    return argparse.SUPPRESS
