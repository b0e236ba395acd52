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

from collections.abc import Callable
from dataclasses import dataclass

from django.db import connection, transaction
from django.db.models import Q

from articles.importer.preparing import PreparedFile
from articles.importer.report import ItemResult, Outcome
from articles.models import Article, slug_base
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
    first_duplicate: Callable[[Article, list[Article]], Article | None],
    set_duplicate: Callable[[Article, Article | None, list[str]], None],
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
        _find_duplicates(new, first_duplicate)
        for item in new:
            item.article.clean_text()  # what save() does first, before choosing the slug
        _choose_slugs(new)
        for item in new:
            # Earlier in this group: linked once it has an id.
            in_group = item.duplicate is not None and item.duplicate.pk is None
            set_duplicate(item.article, None if in_group else item.duplicate, item.reasons)
        Article.objects.bulk_create([item.article for item in new])
        linked = _link_duplicates_in_group(new, set_duplicate)
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


def _find_duplicates(new: list[_New], first_duplicate) -> None:
    """Each article's possible duplicate among the archive's articles (one
    query for the group) and the group's earlier ones, as one at a time would."""
    fingerprints = {item.article.fingerprint for item in new}
    dates = {item.article.date for item in new if item.article.date is not None}
    rows = list(
        Article.objects.filter(Q(fingerprint__in=fingerprints) | Q(date__in=dates))
        .order_by("pk")
        .only("pk", "title", "fingerprint", "date")
    )
    earlier: list[Article] = []
    for item in new:
        article = item.article
        candidates = [
            other
            for other in (*rows, *earlier)
            if other.fingerprint == article.fingerprint
            or (article.date is not None and other.date == article.date)
        ]
        item.duplicate = first_duplicate(article, candidates)
        earlier.append(article)


def _choose_slugs(new: list[_New]) -> None:
    bases = [slug_base(item.article.title) for item in new]
    taken = set(Article.objects.filter(slug__in=set(bases)).values_list("slug", flat=True))
    for item, base in zip(new, bases, strict=True):
        slug, n = base, 2
        # Rarely taken (the same headline again): then the next free one, as
        # one save at a time would choose it, past this group's own slugs too.
        while slug in taken or (slug != base and Article.objects.filter(slug=slug).exists()):
            slug, n = f"{base}-{n}", n + 1
        item.article.slug = slug
        taken.add(slug)


def _link_duplicates_in_group(new: list[_New], set_duplicate) -> set[int]:
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
