"""New files stored a group at a time: the same rows as one file at a time,
in a few statements per group instead of nine per article.

A whole archive arrives as files never seen before. For a group of them
the possible duplicates are looked up, slugs chosen and articles, their
ICT fields and their index-queue rows inserted with one query each, in one
transaction. The result is what the file-by-file path gives: the same
fields, review reasons, slugs, duplicate links and queue rows, in file
order. If the group's transaction fails, each of its files is imported
again on its own, so one bad file still costs only itself.
"""

from __future__ import annotations

import datetime as dt
from collections import defaultdict
from collections.abc import Callable
from dataclasses import dataclass

from django.db import connection, transaction
from django.db.models import Q

from articles.importer.duplicates import first_duplicate, set_duplicate
from articles.importer.preparing import PreparedFile
from articles.importer.report import ItemResult, Outcome
from articles.models import Article, free_slug, slug_base
from articles.search.index.queue import queue_for_index

GROUP_FILES = 64


def supported() -> bool:
    """Bulk inserts must give back the new rows' ids (SQLite ≥ 3.35, PostgreSQL)."""
    return bool(connection.features.can_return_rows_from_bulk_insert)


@dataclass
class _New:
    name: str
    article: Article
    reasons: list[str]
    fields: list[int]
    duplicate: Article | None = None


def insert_new_files(
    group: list[PreparedFile],
    fill: Callable[[Article, object, str, str], list[str]],
    field_ids: dict[str, int],
) -> dict[str, list[ItemResult]]:
    """Store the articles of files never imported; results by file name."""
    new: list[_New] = []
    for prepared in group:
        for extracted in prepared.articles:
            article = Article(source_file=prepared.name, source_item=extracted.source_item)
            reasons = fill(article, extracted, prepared.text, prepared.fingerprint)
            wanted = [field_ids[code] for code in extracted.fields if code in field_ids]
            new.append(_New(prepared.name, article, reasons, wanted))
    with transaction.atomic():
        _find_duplicates(new)
        for item in new:
            item.article.clean_text()  # what save() does first, before choosing the slug
        _choose_slugs(new)
        for item in new:
            # Earlier in this group: linked once it has an id.
            in_group = item.duplicate is not None and item.duplicate.pk is None
            set_duplicate(item.article, None if in_group else item.duplicate, item.reasons)
        Article.objects.bulk_create([item.article for item in new])
        linked = _link_duplicates_in_group(new)
        Through = Article.fields.through
        Through.objects.bulk_create(
            Through(article_id=item.article.pk, ictfield_id=field_id)
            for item in new
            for field_id in item.fields
        )
        # What each save's signal would have queued (the rows just linked
        # were queued by ``rows_updated``, as every update() is).
        queue_for_index([item.article.pk for item in new if item.article.pk not in linked])
        transaction.on_commit(_articles_changed)
    results: dict[str, list[ItemResult]] = {prepared.name: [] for prepared in group}
    for item in new:
        article = item.article
        results[item.name].append(
            ItemResult(
                item.name,
                article.source_item,
                article.pk,
                Outcome.IMPORTED,
                article.title,
                tuple(article.review_reasons),
            )
        )
    return results


def _find_duplicates(new: list[_New]) -> None:
    """Each article's possible duplicate among the archive's articles (one
    query for the group) and the group's earlier ones, as one at a time would."""
    fingerprints = {item.article.fingerprint for item in new}
    dates = {item.article.date for item in new if item.article.date is not None}
    rows = list(
        Article.objects.filter(Q(fingerprint__in=fingerprints) | Q(date__in=dates))
        .order_by("pk")
        .only("pk", "title", "fingerprint", "date")
    )
    # Candidates by text and by date, numbered in the order one at a time
    # would see them: the archive's by id, then the group's earlier articles.
    by_text: dict[str, list[tuple[int, Article]]] = defaultdict(list)
    by_date: dict[dt.date, list[tuple[int, Article]]] = defaultdict(list)

    def note(position: int, article: Article) -> None:
        by_text[article.fingerprint].append((position, article))
        if article.date is not None:
            by_date[article.date].append((position, article))

    for position, other in enumerate(rows):
        note(position, other)
    for position, item in enumerate(new, start=len(rows)):
        article = item.article
        found = dict(by_text.get(article.fingerprint, ()))
        if article.date is not None:
            found.update(by_date.get(article.date, ()))
        item.duplicate = first_duplicate(article, [found[p] for p in sorted(found)])
        note(position, article)


def _choose_slugs(new: list[_New]) -> None:
    bases = [slug_base(item.article.title) for item in new]
    unseen = set(bases)
    taken = set(Article.objects.filter(slug__in=unseen).values_list("slug", flat=True))

    def is_taken(slug: str) -> bool:
        # Bases are known taken or free from the query above; a further
        # candidate (the same headline again, rare) is looked up, past this
        # group's own slugs too, as one save at a time would.
        if slug in taken:
            return True
        return slug not in unseen and Article.objects.filter(slug=slug).exists()

    for item, base in zip(new, bases, strict=True):
        item.article.slug = free_slug(base, is_taken)
        taken.add(item.article.slug)


def _link_duplicates_in_group(new: list[_New]) -> set[int]:
    linked = []
    for item in new:
        if item.duplicate is not None and item.article.possible_duplicate_of_id is None:
            set_duplicate(item.article, item.duplicate, item.reasons)
            linked.append(item.article)
    if linked:
        Article.objects.bulk_update(
            linked, ["possible_duplicate_of", "review_reasons", "needs_review"]
        )
    return {article.pk for article in linked}


def _articles_changed() -> None:
    from articles import suggest

    suggest.forget()
