"""Each article's analysis, done once and kept (``ArticleAnalysis``).

Word segmentation is most of the cost of indexing an article. It is done
when the article is first indexed or after its title or body changed, and
kept with the version of the analysis code; a rebuild reads it back
(``Analysis.from_pieces``) instead of segmenting again. A change to the
rules in ``text.py``, ``analysis.py`` or ``segmenter.py`` (or another pyvi)
changes ``analysis_version()``, and every article is analysed again on its
next indexing.
"""

from __future__ import annotations

import hashlib
import zlib
from collections.abc import Iterable
from functools import cache
from pathlib import Path

from articles.analysis import Analysis, analyze
from articles.models import Article, ArticleAnalysis

_SOURCES = ("text.py", "analysis.py", "segmenter.py")
Pair = tuple[Analysis, Analysis]  # title, body


@cache
def analysis_version() -> str:
    from importlib.metadata import version

    digest = hashlib.sha256(version("pyvi").encode())
    folder = Path(__file__).resolve().parent
    for name in _SOURCES:
        digest.update((folder / name).read_bytes())
    return digest.hexdigest()[:16]


def text_digest(article: Article) -> str:
    return hashlib.sha1(f"{article.title}\x00{article.body}".encode()).hexdigest()


def encode(title: Analysis, body: Analysis) -> bytes:
    return zlib.compress(f"{' '.join(title.pieces)}\n{' '.join(body.pieces)}".encode(), 6)


def decode(data: bytes) -> Pair:
    title, body = zlib.decompress(bytes(data)).decode().split("\n")
    return (
        Analysis.from_pieces(title.split(" ") if title else []),
        Analysis.from_pieces(body.split(" ") if body else []),
    )


def analyses(articles: Iterable[Article]) -> dict[int, Pair]:
    """Title and body analyses of ``articles``: the kept ones where still
    valid, the others done now and kept."""
    articles = list(articles)
    version = analysis_version()
    digests = {article.pk: text_digest(article) for article in articles}
    kept = {
        row.article_id: row
        for row in ArticleAnalysis.objects.filter(article_id__in=digests, version=version)
    }
    out: dict[int, Pair] = {}
    fresh: list[ArticleAnalysis] = []
    for article in articles:
        row = kept.get(article.pk)
        if row is not None and row.digest == digests[article.pk]:
            out[article.pk] = decode(row.tokens)
            continue
        pair = (analyze(article.title), analyze(article.body))
        out[article.pk] = pair
        fresh.append(
            ArticleAnalysis(
                article_id=article.pk,
                version=version,
                digest=digests[article.pk],
                tokens=encode(*pair),
            )
        )
    if fresh:
        ArticleAnalysis.objects.bulk_create(
            fresh,
            update_conflicts=True,
            unique_fields=["article"],
            update_fields=["version", "digest", "tokens"],
        )
    return out
