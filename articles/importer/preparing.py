"""The import's pure half: reading a file and extracting its articles, with
no database. Run inline for a few files and in worker processes for many
(``prepared_files``), so the parent process only writes to the database.
"""

from __future__ import annotations

import hashlib
import logging
import multiprocessing
import os
import threading
from collections.abc import Iterable, Iterator
from dataclasses import dataclass, field
from enum import StrEnum
from pathlib import Path

from articles.importer.errors import SkipInput
from articles.importer.extraction import ExtractedArticle, extract_articles
from articles.importer.jsonlines import FieldLookup, article_from_json_line, json_lines
from articles.importer.provinces import ProvinceMatcher
from articles.importer.reading import read_text_file
from articles.importer.sites import SiteTable

logger = logging.getLogger(__name__)

# Below this many files, starting worker processes costs more than it saves.
PARALLEL_FROM = 200
# Files read ahead of the database writes, at most (bounds the memory).
WINDOW = 64


class FileKind(StrEnum):
    TEXT = "text"
    JSONL = "jsonl"


@dataclass(frozen=True)
class PlannedFile:
    path: Path
    kind: FileKind


@dataclass
class PreparedLine:
    number: int
    text: str
    fingerprint: str
    article: ExtractedArticle | None = None
    skip: str = ""  # why the line cannot be imported


@dataclass
class PreparedFile:
    planned: PlannedFile
    unread: str = ""  # why the file could not be read (nothing else is set)
    fingerprint: str = ""
    text: str = ""
    refused: str = ""  # read, but no article can come of it
    articles: list[ExtractedArticle] = field(default_factory=list)  # a text file's
    lines: list[PreparedLine] = field(default_factory=list)  # a JSON Lines file's

    @property
    def name(self) -> str:
        return self.planned.path.name


def raw_fingerprint(raw: bytes) -> str:
    return hashlib.sha256(raw).hexdigest()


@dataclass
class Extractor:
    """What extraction needs to know: province names, sites, field names."""

    matcher: ProvinceMatcher
    sites: SiteTable
    field_lookup: FieldLookup

    def prepare(self, planned: PlannedFile) -> PreparedFile:
        prepared = PreparedFile(planned)
        try:
            decoded = read_text_file(planned.path)
        except SkipInput as exc:
            prepared.unread = exc.reason
            return prepared
        except OSError as exc:
            prepared.unread = f"cannot read file ({exc.strerror or exc})"
            return prepared
        prepared.fingerprint = raw_fingerprint(decoded.raw)
        prepared.text = decoded.text
        try:
            if planned.kind == FileKind.JSONL:
                prepared.lines = list(self._lines(planned.path.name, decoded.text))
            else:
                prepared.articles = extract_articles(
                    decoded.text, matcher=self.matcher, sites=self.sites
                )
        except SkipInput as exc:
            prepared.refused = exc.reason
        except Exception as exc:
            # A bug or an input nobody foresaw must cost this file only.
            logger.exception("Import of %s failed", planned.path)
            reason = f"internal error ({type(exc).__name__}: {str(exc)[:200]})"
            prepared.refused = " ".join(reason.split())
        return prepared

    def _lines(self, name: str, text: str) -> Iterator[PreparedLine]:
        for line in json_lines(text):
            prepared = PreparedLine(
                line.number, line.text, raw_fingerprint(line.text.encode("utf-8"))
            )
            try:
                prepared.article = article_from_json_line(
                    line, field_lookup=self.field_lookup, matcher=self.matcher, sites=self.sites
                )
            except SkipInput as exc:
                prepared.skip = exc.reason
            except Exception as exc:  # extraction is pure: the other lines are safe
                logger.exception("Import of %s line %d failed", name, line.number)
                prepared.skip = f"internal error ({type(exc).__name__})"
            yield prepared


# The extractor of the run, inherited by forked workers (not pickled per file).
_extractor: Extractor | None = None


def _prepare_in_worker(planned: PlannedFile) -> PreparedFile:
    assert _extractor is not None
    return _extractor.prepare(planned)


def prepared_files(
    extractor: Extractor, files: list[PlannedFile], workers: int
) -> Iterator[PreparedFile]:
    """``files`` prepared, in order: inline, or by ``workers`` processes when
    there are enough files to pay for them."""
    if workers <= 1 or len(files) < PARALLEL_FROM or not hasattr(os, "fork"):
        yield from (extractor.prepare(planned) for planned in files)
        return
    global _extractor
    _extractor = extractor
    ahead, stop = threading.Semaphore(WINDOW), threading.Event()

    def fed() -> Iterable[PlannedFile]:
        for planned in files:
            ahead.acquire()  # the pool reads no further than WINDOW files ahead
            if stop.is_set():
                return
            yield planned

    context = multiprocessing.get_context("fork")
    try:
        with context.Pool(workers) as pool:
            for prepared in pool.imap(_prepare_in_worker, fed(), chunksize=4):
                ahead.release()
                yield prepared
    finally:
        # A run that stops early (an error, Ctrl-C) must not leave the pool's
        # feeding thread waiting for room forever.
        stop.set()
        for _ in range(WINDOW):
            ahead.release()
        _extractor = None
