"""Shared fixtures: a fresh Whoosh index on disk for each test that needs one."""

from __future__ import annotations

import datetime as dt
import os
from pathlib import Path

import pytest
from django.conf import settings
from haystack import connections

REPO = Path(__file__).resolve().parents[1]
SEEDS = Path(os.environ.get("PORTAL_SEEDS_DIR", REPO.parent / "shared" / "seeds"))


@pytest.fixture(autouse=True)
def _reference_data(request, django_db_blocker):
    """Provinces and fields exist in every database test.

    The migration loads them, but a ``transaction=True`` test flushes the
    database when it ends; the next test gets them back here.
    """
    uses_db = request.node.get_closest_marker("django_db") or {
        "db",
        "transactional_db",
    } & set(request.fixturenames)
    if not uses_db:
        return
    request.getfixturevalue("django_db_setup")
    from articles.reference_data import ensure_loaded

    with django_db_blocker.unblock():
        ensure_loaded()


@pytest.fixture(autouse=True)
def _fresh_lookup_tables():
    """The abbreviation, province and field tables are cached per process; a test
    that edits them must not leak its edits into the next test."""
    from articles.provinces import forget as forget_provinces
    from articles.search.query import forget_abbreviations
    from articles.search.service import forget_reference_lists

    forget_abbreviations()
    forget_provinces()
    forget_reference_lists()
    yield
    forget_abbreviations()
    forget_provinces()
    forget_reference_lists()


@pytest.fixture(autouse=True)
def _plain_static_files(settings):
    """Tests render pages without running collectstatic first."""
    settings.STORAGES = {
        **settings.STORAGES,
        "staticfiles": {"BACKEND": "django.contrib.staticfiles.storage.StaticFilesStorage"},
    }


@pytest.fixture(autouse=True)
def _index_path(tmp_path_factory, settings):
    """Point haystack at a new, empty index directory for every test."""
    path = tmp_path_factory.mktemp("whoosh")
    settings.HAYSTACK_CONNECTIONS = {
        "default": {**settings.HAYSTACK_CONNECTIONS["default"], "PATH": str(path)}
    }
    connections.connections_info = settings.HAYSTACK_CONNECTIONS
    connections.reload("default")
    yield path
    connections.reload("default")


class _IndexNow:
    """``with index_now:`` runs the after-commit index updates of the block."""

    def __init__(self, capture) -> None:
        self._capture = capture
        self._active = []

    def __enter__(self):
        context = self._capture(execute=True)
        self._active.append(context)
        return context.__enter__()

    def __exit__(self, *exc_info):
        return self._active.pop().__exit__(*exc_info)


@pytest.fixture
def index_now(django_capture_on_commit_callbacks):
    return _IndexNow(django_capture_on_commit_callbacks)


@pytest.fixture
def make_article(db):
    from articles.models import Article, IctField, Province

    counter = {"n": 0}

    def make(
        title: str,
        body: str = "",
        *,
        province: str | None = None,
        fields: tuple[str, ...] = (),
        date: dt.date | None = dt.date(2015, 6, 1),
        precision: str = "day",
        **extra,
    ) -> Article:
        counter["n"] += 1
        article = Article.objects.create(
            title=title,
            body=body or title,
            date=date,
            date_precision=precision if date else "unknown",
            province=Province.objects.get(slug=province) if province else None,
            source_file=extra.pop("source_file", f"test-{counter['n']}.txt"),
            **extra,
        )
        if fields:
            article.fields.set(IctField.objects.filter(code__in=fields))
        return article

    return make


@pytest.fixture
def rebuild_index():
    """Index every published article from scratch, as rebuild_index does."""
    from articles.search.engines import get_engine
    from articles.search.index.document import documents, indexable

    def rebuild() -> None:
        engine = get_engine()
        engine.clear()
        with engine.writer() as writer:
            writer.add(documents(indexable()))

    return rebuild


__all__ = ["SEEDS", "settings"]


@pytest.fixture
def generated_articles(db):
    """Store ``count`` articles of the benchmark's synthetic corpus (bodies cut
    to ``body_syllables`` when given), with their provinces and fields."""
    from articles.models import Article, IctField, Province
    from bench.synthetic import generate

    def store(count: int, seed: int, body_syllables: int | None = None) -> list:
        provinces = dict(Province.objects.values_list("slug", "pk"))
        fields = dict(IctField.objects.values_list("code", "pk"))
        generated = list(generate(count, seed=seed))
        rows = Article.objects.bulk_create(
            Article(
                title=a.title,
                slug=a.slug(),
                body=" ".join(a.body.split()[:body_syllables]) if body_syllables else a.body,
                date=a.date,
                date_precision=a.date_precision,
                province_id=provinces[a.province],
                source_file=a.source_file,
                fingerprint=a.fingerprint(),
            )
            for a in generated
        )
        Article.fields.through.objects.bulk_create(
            Article.fields.through(article_id=row.pk, ictfield_id=fields[code])
            for row, a in zip(rows, generated, strict=True)
            for code in a.fields
        )
        return rows

    return store
