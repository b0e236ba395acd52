"""``manage.py build_index [--workers 2]``: rebuild the whole search index.

Uses every worker process given (one per core is right: word segmentation
is the cost). The new index is written beside the one serving, which
answers every search until the switch; edits made meanwhile are carried
over, and what is still queued is drained after.
"""

from __future__ import annotations

import json
import os
from pathlib import Path

from django.core.management.base import BaseCommand

from articles.search.engines import get_engine
from articles.search.index.document import document_version, indexable
from articles.search.index.queue import drain


class Command(BaseCommand):
    help = "Lập lại toàn bộ chỉ mục tìm kiếm, dùng nhiều tiến trình."

    def add_arguments(self, parser) -> None:
        parser.add_argument(
            "--workers",
            type=int,
            default=os.cpu_count() or 1,
            help="Số tiến trình phân tích (mặc định: số lõi CPU).",
        )
        parser.add_argument("--report", help="Ghi kết quả đo (JSON) vào tệp này.")

    def handle(self, *args, **options) -> None:
        ids = list(indexable().order_by("pk").values_list("pk", flat=True))
        report = get_engine().rebuild(
            ids, workers=options["workers"], log=self.stdout.write, stamp=document_version()
        )
        self.stdout.write(report.summary())
        if options["report"]:
            Path(options["report"]).write_text(json.dumps(report.as_dict(), indent=2))
        # Changes committed while the build ran are queued: apply them now.
        applied = drain()
        if applied:
            self.stdout.write(f"Đã cập nhật thêm {applied} thay đổi trong hàng đợi.")
