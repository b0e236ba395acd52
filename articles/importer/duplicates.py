"""Possible duplicates: an article with the same text, or the same headline on
the same date, as one already in the archive (flagged for an editor, not dropped)."""

from __future__ import annotations

from articles.models import Article
from articles.text import collapse_spaces, fold


def first_duplicate(article: Article, candidates: list[Article]) -> Article | None:
    """The first of ``candidates`` (earliest first) with the same text, or
    else the same headline in any accents and case (candidates are the
    articles of the same text or the same date)."""
    for other in candidates:
        if other.fingerprint == article.fingerprint:
            return other
    title = fold(collapse_spaces(article.title)).rstrip(". ")
    for other in candidates:
        if fold(collapse_spaces(other.title)).rstrip(". ") == title:
            return other
    return None


def set_duplicate(article: Article, duplicate: Article | None, reasons: list[str]) -> None:
    article.possible_duplicate_of = duplicate
    if duplicate is not None:
        reasons.append(f"possible duplicate of #{duplicate.pk}")
    article.review_reasons = reasons
    article.needs_review = bool(reasons)
