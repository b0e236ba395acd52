"""``manage.py generate_corpus``: synthetic articles for measuring the portal.

    manage.py generate_corpus --count 100000 [--seed 1] [--no-index]
    manage.py generate_corpus --delete

Refuses to add synthetic articles to a database holding real ones unless
``--allow-mixed`` is given: point ``PORTAL_DATA_DIR`` at a scratch folder.
"""

from __future__ import annotations

from django.core.management.base import BaseCommand, CommandError

from articles import synthetic


class Command(BaseCommand):
    help = "Tạo bài viết giả lập (is_synthetic) để đo hiệu năng; --delete để xóa chúng."

    def add_arguments(self, parser) -> None:
        parser.add_argument("--count", type=int, default=100_000)
        parser.add_argument("--seed", type=int, default=1)
        parser.add_argument("--workers", type=int, default=2, help="Processes for generation.")
        parser.add_argument("--batch-size", type=int, default=1000)
        parser.add_argument(
            "--allow-mixed",
            action="store_true",
            help="Add synthetic articles even though the database holds real ones.",
        )
        parser.add_argument("--delete", action="store_true", help="Remove all synthetic articles.")
        parser.add_argument(
            "--no-index", action="store_true", help="Do not rebuild the search index afterwards."
        )

    def handle(self, *args, **options) -> None:
        if options["delete"]:
            deleted = synthetic.delete_all()
            self.stdout.write(f"Đã xóa {deleted} bài giả lập.")
            if not options["no_index"]:
                self._rebuild(options)
            return
        count = options["count"]
        if count < 1:
            raise CommandError("--count phải lớn hơn 0.")
        try:
            report = synthetic.insert(
                count,
                seed=options["seed"],
                allow_mixed=options["allow_mixed"],
                batch_size=options["batch_size"],
                workers=options["workers"],
            )
        except synthetic.MixingRefused as exc:
            raise CommandError(
                "Cơ sở dữ liệu đang có bài viết thật; không trộn bài giả lập vào. "
                "Dùng PORTAL_DATA_DIR trỏ tới thư mục khác, hoặc --allow-mixed nếu thật sự muốn."
            ) from exc
        self.stdout.write(
            f"Đã tạo {len(report.ids)} bài giả lập trong {report.seconds:.1f} s "
            f"({report.rate:.0f} bài/s; riêng phần cơ sở dữ liệu {report.db_rate:.0f} bài/s)."
        )
        if not options["no_index"]:
            self._rebuild(options)

    def _rebuild(self, options) -> None:
        # Bulk inserts and deletes bypass the index queue: rebuild the whole index.
        from articles.search.bulk import build

        report = build(workers=options["workers"], log=self.stdout.write)
        self.stdout.write(report.summary())
