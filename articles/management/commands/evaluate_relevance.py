"""Print nDCG@10 of the judged test queries, grouped by query kind."""

import tempfile

from django.core.management.base import BaseCommand
from django.db import connection
from django.test.utils import override_settings, setup_test_environment, teardown_test_environment
from haystack import connections

from articles.search import relevance


class Command(BaseCommand):
    help = "Đánh giá chất lượng xếp hạng (nDCG@10) trên bộ truy vấn kiểm thử."

    def add_arguments(self, parser):
        parser.add_argument("--verbose-queries", action="store_true", help="In từng truy vấn.")

    def handle(self, *args, **options):
        # A throwaway database and index: the archive itself is never touched.
        setup_test_environment()
        old_name = connection.creation.create_test_db(verbosity=0, autoclobber=True)
        try:
            with tempfile.TemporaryDirectory() as index_dir:
                conf = {
                    "default": {
                        "ENGINE": "articles.search.engines.whoosh.haystack.WhooshHaystackEngine",
                        "PATH": index_dir,
                    }
                }
                with override_settings(HAYSTACK_CONNECTIONS=conf):
                    connections.connections_info = conf
                    connections.reload("default")
                    self._run(options["verbose_queries"])
                connections.reload("default")
        finally:
            connection.creation.destroy_test_db(old_name, verbosity=0)
            teardown_test_environment()

    def _run(self, verbose: bool) -> None:
        from articles.search.index.queue import drain, indexing_deferred

        with indexing_deferred():
            ids = relevance.load_corpus()
        drain()
        results = relevance.evaluate(ids)
        if verbose:
            for r in results:
                self.stdout.write(
                    f"{r.ndcg:5.3f}  {r.kind:14s} {r.q!r:40s} {' '.join(r.ranking[:5])}"
                )
        self.stdout.write("nDCG@10 theo loại truy vấn:")
        for kind, value in relevance.by_kind(results).items():
            self.stdout.write(f"  {kind:15s} {value:.3f}")
        mismatches = relevance.variant_mismatches(results)
        if mismatches:
            self.stdout.write(f"Biến thể cho kết quả đầu khác nhau: {mismatches}")
        else:
            self.stdout.write("Mọi biến thể (không dấu, cách bỏ dấu thanh) cho cùng 3 kết quả đầu.")
