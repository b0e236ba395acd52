"""manage.py sync_index: check that the search index holds exactly the
published articles, and repair it if not."""

from __future__ import annotations

import os

from django.core.management.base import BaseCommand, CommandError

from articles import index_sync
from articles.search.engines.base import IndexLocked, SearchUnavailable


class Command(BaseCommand):
    help = "So sánh chỉ mục tìm kiếm với cơ sở dữ liệu và sửa chỗ lệch."

    def add_arguments(self, parser) -> None:
        parser.add_argument(
            "--dry-run", action="store_true", help="Chỉ báo chỗ lệch, không sửa gì."
        )
        parser.add_argument(
            "--full", action="store_true", help="Đánh chỉ mục lại mọi bài đã xuất bản."
        )
        parser.add_argument(
            "--at-start",
            action="store_true",
            help="Như khi khởi động cổng: không làm gì nếu chỉ mục đã khớp, chỉ cập nhật "
            "phần thay đổi, lập lại (song song, không gián đoạn tìm kiếm) nếu chỉ mục cũ.",
        )
        parser.add_argument("--workers", type=int, default=os.cpu_count() or 1)
        parser.add_argument(
            "--timeout",
            type=float,
            default=None,
            help="Số giây chờ khóa ghi của chỉ mục (mặc định PORTAL_INDEX_LOCK_TIMEOUT).",
        )

    def handle(
        self, *args, dry_run: bool, full: bool, timeout: float | None, at_start: bool, **options
    ):
        if at_start:
            done = index_sync.bring_up_to_date(
                workers=options["workers"], log=self.stdout.write, timeout=timeout
            )
            self.stdout.write(done)
            return
        if dry_run:
            try:
                diff = index_sync.compare()
            except SearchUnavailable as damage:
                raise CommandError(
                    f"Chỉ mục tìm kiếm bị hỏng ({damage}). Chạy build_index để lập lại."
                ) from damage
            _refuse_if_damaged()
            self.stdout.write(
                f"Cơ sở dữ liệu: {diff.database} bài đã xuất bản; chỉ mục: {diff.indexed} bài; "
                f"{diff.pending} thay đổi đang chờ."
            )
            if diff.in_sync:
                self.stdout.write("Chỉ mục khớp với cơ sở dữ liệu.")
            else:
                self.stdout.write(
                    f"Cần thêm {len(diff.missing)}, xóa {len(diff.extra)} (chạy thử, chưa sửa gì)."
                )
                if diff.missing:
                    self.stdout.write(f"Thiếu: {_sample(diff.missing)}")
                if diff.extra:
                    self.stdout.write(f"Thừa: {_sample(diff.extra)}")
            return
        _refuse_if_damaged()
        try:
            report = index_sync.repair(full=full, timeout=timeout)
        except SearchUnavailable as damage:
            raise CommandError(
                f"Chỉ mục tìm kiếm bị hỏng ({damage}). Chạy build_index để lập lại."
            ) from damage
        except IndexLocked as error:
            raise CommandError(
                "Chỉ mục đang bị một tiến trình khác khóa ghi; hãy chạy lại sau."
            ) from error
        parts = [f"Đã thêm {report.added}, xóa {report.removed}"]
        if full:
            parts.append(f"đánh chỉ mục lại {report.reindexed}")
        if report.drained:
            parts.append(f"áp dụng {report.drained} thay đổi đang chờ")
        self.stdout.write(", ".join(parts) + ".")
        diff = index_sync.compare()
        self.stdout.write(
            f"Chỉ mục: {diff.indexed} bài, cơ sở dữ liệu: {diff.database} bài đã xuất bản."
        )


def _refuse_if_damaged() -> None:
    """Stop with what is damaged: repairing documents in a damaged index hides it."""
    damage = index_sync.damage()
    if damage:
        raise CommandError(
            f"Chỉ mục tìm kiếm bị hỏng: {'; '.join(damage)}. Chạy build_index để lập lại."
        )


def _sample(ids: list[int], limit: int = 20) -> str:
    shown = ", ".join(f"#{pk}" for pk in ids[:limit])
    return shown + (f" … (+{len(ids) - limit})" if len(ids) > limit else "")
