"""Importing again changes nothing; a changed file updates its articles in place."""

from __future__ import annotations

import shutil

import pytest
from conftest import REPO, SEEDS
from django.core.management import call_command

from articles.importer.pipeline import import_paths
from articles.models import Article, IndexQueueEntry, Province

pytestmark = pytest.mark.django_db


def snapshot() -> dict[tuple[str, int], tuple]:
    return {
        (a.source_file, a.source_item): (a.pk, a.updated_at, a.title, a.body, a.slug)
        for a in Article.objects.all()
    }


@pytest.fixture
def seeds_copy(tmp_path):
    folder = tmp_path / "seeds"
    shutil.copytree(SEEDS, folder)
    for path in folder.iterdir():
        path.chmod(0o644)  # the shared seeds are read-only
    return folder


def test_second_run_imports_and_saves_nothing():
    import_paths([SEEDS], update_index=False)
    before = snapshot()
    queued = IndexQueueEntry.objects.count()

    report = import_paths([SEEDS], update_index=False)

    assert (report.imported, report.updated, report.unchanged) == (0, 0, 7)
    assert report.skipped == []
    assert snapshot() == before  # not one updated_at moved
    assert IndexQueueEntry.objects.count() == queued  # no index work either


def test_import_updates_the_search_index_once():
    report = import_paths([SEEDS])
    assert report.index_error is None
    assert report.index_updated
    assert IndexQueueEntry.objects.count() == 0

    again = import_paths([SEEDS])
    assert not again.index_updated  # nothing changed, nothing to index


def test_the_command_reports_unchanged_on_a_second_run(capsys):
    call_command("import_articles", str(SEEDS), "--no-index")
    call_command("import_articles", str(SEEDS), "--no-index")
    out = capsys.readouterr().out
    assert "7 imported" in out
    assert "0 imported, 0 updated, 7 unchanged, 0 skipped" in out


def test_same_files_from_another_folder_are_not_duplicated(seeds_copy):
    import_paths([SEEDS], update_index=False)
    before = snapshot()

    report = import_paths([seeds_copy], update_index=False)

    assert report.unchanged == 7 and report.imported == 0
    assert Article.objects.count() == 7
    assert snapshot() == before


def test_changed_file_updates_its_article_in_place(seeds_copy):
    import_paths([seeds_copy], update_index=False)
    before = snapshot()
    path = next(seeds_copy.glob("002_*.txt"))
    text = path.read_text(encoding="utf-8")
    path.write_text(text.replace("khoảng 1 tỷ đồng", "khoảng 2 tỷ đồng"), encoding="utf-8")

    report = import_paths([seeds_copy], update_index=False)

    assert (report.imported, report.updated, report.unchanged) == (0, 1, 6)
    article = Article.objects.get(source_file=path.name)
    assert article.pk == before[(path.name, 1)][0]
    assert "khoảng 2 tỷ đồng" in article.body
    assert article.raw_text == path.read_text(encoding="utf-8")
    assert article.updated_at > before[(path.name, 1)][1]
    assert Article.objects.count() == 7
    others = {key: value for key, value in snapshot().items() if key[0] != path.name}
    assert others == {key: value for key, value in before.items() if key[0] != path.name}


def test_unchanged_file_keeps_an_editors_correction():
    import_paths([SEEDS], update_index=False)
    article = Article.objects.get(source_file__startswith="002")
    article.province = Province.objects.get(name="Bình Định")
    article.title = "Tiêu đề do biên tập viên sửa"
    article.save()

    import_paths([SEEDS], update_index=False)

    article.refresh_from_db()
    assert article.province.name == "Bình Định"
    assert article.title == "Tiêu đề do biên tập viên sửa"


def test_renamed_copy_is_imported_but_flagged_as_possible_duplicate(tmp_path):
    import_paths([SEEDS], update_index=False)
    original_path = next(SEEDS.glob("002_*.txt"))
    copy = tmp_path / "quang-ngai-2007.txt"
    copy.write_bytes(original_path.read_bytes())

    report = import_paths([copy], update_index=False)

    assert report.imported == 1
    original = Article.objects.get(source_file=original_path.name)
    duplicate = Article.objects.get(source_file=copy.name)
    assert duplicate.possible_duplicate_of == original
    assert duplicate.needs_review
    assert f"possible duplicate of #{original.pk}" in duplicate.review_reasons
    assert original.possible_duplicate_of is None


def test_same_headline_and_date_in_other_words_is_a_near_duplicate(tmp_path):
    import_paths([SEEDS], update_index=False)
    other = tmp_path / "republished.txt"
    other.write_text(
        "So BCVT Quang Ngai to chuc Hoi nghi trien khai cong tac nam 2007\n\n"
        "1/30/2007 2:07:06 PM\n\n"
        "Bài đăng lại, lời văn khác hẳn bản gốc nhưng cùng một sự kiện ở Quảng Ngãi.\n",
        encoding="utf-8",
    )

    import_paths([other], update_index=False)

    article = Article.objects.get(source_file="republished.txt")
    assert article.possible_duplicate_of.source_file.startswith("002")


def test_item_that_disappears_from_its_file_is_flagged_once(seeds_copy):
    import_paths([seeds_copy], update_index=False)
    path = next(seeds_copy.glob("004_*.txt"))
    lines = path.read_text(encoding="utf-8").splitlines()
    # Drop item 2 (its headline line and everything up to the byline).
    start = next(i for i, line in enumerate(lines) if line.startswith("Hội nghị triển khai"))
    end = next(i for i, line in enumerate(lines) if line == "Ái Phương")
    path.write_text("\n".join(lines[:start] + lines[end:]), encoding="utf-8")

    report = import_paths([seeds_copy], update_index=False)

    assert report.stale == [f"{path.name} #2"]
    gone = Article.objects.get(source_file=path.name, source_item=2)
    assert gone.needs_review and "no longer in its source file" in gone.review_reasons
    before = snapshot()
    again = import_paths([seeds_copy], update_index=False)
    assert again.stale == [] and again.updated == 0
    assert snapshot() == before


def test_two_different_files_with_one_name_in_one_run(tmp_path):
    original = next(SEEDS.glob("002_*.txt"))
    first, second = tmp_path / "a", tmp_path / "b"
    first.mkdir()
    second.mkdir()
    shutil.copy(original, first / original.name)
    (second / original.name).write_text(
        original.read_text(encoding="utf-8").replace("1 tỷ đồng", "3 tỷ đồng"), encoding="utf-8"
    )

    report = import_paths([first, second], update_index=False)

    assert report.imported == 1
    assert [s.source for s in report.skipped] == [str(second / original.name)]
    assert "same name" in report.skipped[0].reason
    assert "1 tỷ đồng" in Article.objects.get(source_file=original.name).body


def test_many_files_imported_by_worker_processes_give_the_same_archive(tmp_path, monkeypatch):
    from articles.importer import preparing

    folder = tmp_path / "many"
    shutil.copytree(SEEDS, folder)
    for path in folder.iterdir():
        path.chmod(0o644)
    real = REPO / "tests" / "realpages"
    lines = [
        line
        for part in ("dev", "holdout")
        for line in (real / part / "pages.jsonl").read_text(encoding="utf-8").splitlines()
    ]
    for start in range(0, len(lines), 8):
        chunk = "\n".join(lines[start : start + 8]) + "\n"
        (folder / f"trang-{start:03d}.jsonl").write_text(chunk, encoding="utf-8")
    (folder / "hong.txt").write_bytes(b"\x00\x01\x02" * 100)
    (folder / "dong-hong.jsonl").write_text('{"text": 5}\n{"fields": 5}\n', encoding="utf-8")
    monkeypatch.setattr(preparing, "PARALLEL_FROM", 2)

    def archive(workers: int) -> tuple[list, list, int]:
        report = import_paths([folder], update_index=False, workers=workers)
        rows = [
            (
                a.source_file,
                a.source_item,
                a.title,
                a.date,
                a.date_precision,
                a.province_id,
                sorted(a.fields.values_list("code", flat=True)),
                a.review_reasons,
                a.possible_duplicate_of.source_file if a.possible_duplicate_of else None,
            )
            for a in Article.objects.order_by("source_file", "source_item")
        ]
        Article.objects.all().delete()
        return rows, [str(s) for s in report.skipped], report.files_read

    alone, in_workers = archive(1), archive(2)
    assert len(alone[0]) > 150 and len(alone[1]) >= 3  # articles, and the skips reported
    assert in_workers == alone


def test_new_files_stored_in_groups_give_the_archive_of_one_file_at_a_time(
    tmp_path, monkeypatch, caplog
):
    """Grouped inserts (``importer.batch``) change how many statements run,
    not what is stored: fields, reasons, slugs, duplicate links, index queue."""
    import re

    from articles.importer import batch
    from bench.synthetic import generate

    folder = tmp_path / "archive"
    folder.mkdir()
    for article in generate(150, seed=11):  # 3% are near-duplicates of earlier ones
        (folder / f"{article.number:05d}.txt").write_text(article.raw_text, encoding="utf-8")
    for n in range(1, 13):
        text = (folder / f"{n:05d}.txt").read_text(encoding="utf-8")
        # Half in the same group as the original, half in a later one.
        name = f"{n:05d}" if n % 2 else f"{n + 90:05d}"
        if n <= 6:  # the same text under another name
            (folder / f"{name}-copy.txt").write_text(text, encoding="utf-8")
        else:  # the same headline and date, a word changed
            head, _, tail = text.rpartition(" và ")
            (folder / f"{name}-sua.txt").write_text(f"{head} cùng {tail}", encoding="utf-8")
    (folder / "rong.txt").write_text("   \n", encoding="utf-8")
    shutil.copytree(SEEDS, folder / "seeds")
    monkeypatch.setattr(batch, "GROUP_FILES", 16)
    groups = []
    insert = batch.insert_new_files

    def counted(group, *args):
        groups.append(len(group))
        return insert(group, *args)

    monkeypatch.setattr(batch, "insert_new_files", counted)

    def archive(grouped: bool) -> tuple[list, list, int, int]:
        monkeypatch.setattr(batch, "supported", lambda: grouped)
        report = import_paths([folder], update_index=False)
        names = {a.pk: f"{a.source_file}#{a.source_item}" for a in Article.objects.all()}

        def named(reasons: list[str]) -> list[str]:
            return [re.sub(r"#(\d+)", lambda m: names[int(m[1])], r) for r in reasons]

        rows = [
            (
                a.source_file,
                a.source_item,
                a.title,
                a.body,
                a.slug,
                a.date,
                a.date_precision,
                a.province_id,
                a.byline,
                a.source,
                a.fingerprint,
                a.raw_fingerprint,
                a.import_signals,
                sorted(a.fields.values_list("code", flat=True)),
                named(a.review_reasons),
                a.needs_review,
                names.get(a.possible_duplicate_of_id),
            )
            for a in Article.objects.order_by("source_file", "source_item")
        ]
        queued = IndexQueueEntry.objects.filter(article_id__in=names).count()
        outcomes = [
            (i.source_file, i.source_item, i.outcome, i.title, named(list(i.review_reasons)))
            for i in report.items
        ]
        Article.objects.all().delete()
        IndexQueueEntry.objects.all().delete()
        return rows, [str(s) for s in report.skipped], report.files_read, queued, outcomes

    one_by_one = archive(False)
    assert groups == []
    with caplog.at_level("ERROR", logger="articles.importer.pipeline"):
        grouped = archive(True)
    assert len(groups) >= 10 and not caplog.records  # grouped, none fell back
    rows = one_by_one[0]
    assert len(rows) > 150
    assert sum(1 for row in rows if row[-1]) >= 12  # possible duplicates linked
    assert len({row[4] for row in rows}) == len(rows)  # every slug unique
    assert grouped == one_by_one
