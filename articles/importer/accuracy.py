"""How well the importer reads real pages: accuracy per label on a set of
hand-labelled pages.

A set is a folder with ``pages.jsonl`` (what a scraper delivers: ``url``
and ``text``, one page a line) and ``labels.jsonl`` (for each page, by
``url``: the headline, province, date with its precision and ICT fields a
careful reader gives it). Each page goes through the same path as a line of
an imported JSON Lines file, without a database.
"""

from __future__ import annotations

import json
from collections import Counter
from dataclasses import dataclass, field
from pathlib import Path

from articles.importer.errors import SkipInput
from articles.importer.extraction import ExtractedArticle
from articles.importer.fields import FIELD_CODES, make_field_lookup, reference_field_rows
from articles.importer.jsonlines import JsonLine, article_from_json_line
from articles.importer.provinces import default_matcher
from articles.text import collapse_spaces, normalize

# Labels name fields as a reader does; the importer by code.
FIELD_BY_LABEL = {"bưu chính": "buu-chinh", "viễn thông": "vien-thong", "CNTT": "cntt"}
FIELD_BY_LABEL["báo chí"] = "bao-chi"
MAX_HEADLINE_CHARS = 200


@dataclass(frozen=True)
class Label:
    id: str
    url: str
    title: str | None
    province: str | None
    date: str | None  # "YYYY", "YYYY-MM", "YYYY-MM-DD"
    fields: frozenset[str]
    fields_may: frozenset[str]
    date_source: str = ""

    @property
    def year(self) -> str | None:
        return self.date[:4] if self.date else None

    @property
    def precision(self) -> str:
        return {4: "year", 7: "month", 10: "day"}.get(len(self.date or ""), "unknown")


@dataclass
class PageResult:
    label: Label
    article: ExtractedArticle | None
    dropped: str = ""

    @property
    def province(self) -> str | None:
        return self.article.province if self.article else None

    @property
    def date(self) -> str | None:
        return self.article.date_string if self.article else None

    @property
    def fields(self) -> frozenset[str]:
        return frozenset(self.article.fields) if self.article else frozenset()

    @property
    def title(self) -> str:
        return self.article.title if self.article else ""


def _same_title(a: str, b: str) -> bool:
    def key(text: str) -> str:
        return collapse_spaces(normalize(text)).rstrip(" .").lower()

    return key(a) == key(b)


@dataclass
class FieldScore:
    tp: int = 0
    fp: int = 0
    fn: int = 0

    @property
    def f1(self) -> float:
        total = 2 * self.tp + self.fp + self.fn
        return 2 * self.tp / total if total else 1.0


@dataclass
class AccuracyReport:
    results: list[PageResult] = field(default_factory=list)

    @property
    def kept(self) -> list[PageResult]:
        return [r for r in self.results if r.article is not None]

    @property
    def dropped(self) -> list[PageResult]:
        return [r for r in self.results if r.article is None]

    def _share(self, hits: int, total: int) -> float:
        return hits / total if total else 1.0

    @property
    def province(self) -> float:
        hits = sum(1 for r in self.results if r.province == r.label.province)
        return self._share(hits, len(self.results))

    @property
    def year(self) -> float:
        hits = sum(1 for r in self.results if (r.date or "")[:4] == (r.label.year or ""))
        return self._share(hits, len(self.results))

    @property
    def dated_to_day_or_month(self) -> list[PageResult]:
        return [r for r in self.results if r.label.precision in {"day", "month"}]

    @property
    def exact_date(self) -> float:
        """Date and precision both right, where the page gives a day or a month."""
        pages = self.dated_to_day_or_month
        return self._share(sum(1 for r in pages if r.date == r.label.date), len(pages))

    @property
    def precision(self) -> float:
        """Precision right where the page gives a day or a month."""
        pages = self.dated_to_day_or_month
        hits = sum(1 for r in pages if r.article and r.article.date_precision == r.label.precision)
        return self._share(hits, len(pages))

    @property
    def titles(self) -> float:
        """Headlines found as printed, where the page prints one."""
        pages = [r for r in self.results if r.label.title]
        hits = sum(1 for r in pages if _same_title(r.title, r.label.title or ""))
        return self._share(hits, len(pages))

    @property
    def headline_shaped(self) -> float:
        """Titles of headline length, over every kept page."""
        pages = self.kept
        return self._share(
            sum(1 for r in pages if 0 < len(r.title) <= MAX_HEADLINE_CHARS), len(pages)
        )

    def field_scores(self) -> dict[str, FieldScore]:
        scores = {code: FieldScore() for code in FIELD_CODES}
        for r in self.results:
            must, may = r.label.fields, r.label.fields_may
            for code in FIELD_CODES:
                got = code in r.fields
                if got and code in must:
                    scores[code].tp += 1
                elif got and code not in may:
                    scores[code].fp += 1
                elif not got and code in must:
                    scores[code].fn += 1
        return scores

    @property
    def field_micro_f1(self) -> float:
        total = FieldScore()
        for score in self.field_scores().values():
            total.tp += score.tp
            total.fp += score.fp
            total.fn += score.fn
        return total.f1

    @property
    def flagged(self) -> int:
        return sum(1 for r in self.kept if r.article.needs_review)

    def figures(self) -> dict[str, float]:
        figures = {
            "pages": len(self.results),
            "dropped": len(self.dropped),
            "province": self.province,
            "year": self.year,
            "date (day/month pages)": self.exact_date,
            "precision (day/month pages)": self.precision,
            "headline as printed": self.titles,
            "title of headline length": self.headline_shaped,
            "fields micro-F1": self.field_micro_f1,
        }
        for code, score in self.field_scores().items():
            figures[f"  F1 {code}"] = score.f1
        figures["flagged for review"] = self.flagged
        return figures

    def misses(self) -> dict[str, list[str]]:
        """One line per wrong label, to read the worst cases."""
        out: dict[str, list[str]] = {"province": [], "date": [], "fields": [], "title": []}
        for r in self.results:
            lab = r.label
            if r.province != lab.province:
                out["province"].append(f"{lab.id}: got {r.province!r}, want {lab.province!r}")
            if r.date != lab.date:
                out["date"].append(
                    f"{lab.id}: got {r.date!r}, want {lab.date!r} ({lab.date_source})"
                )
            wrong = (r.fields - lab.fields - lab.fields_may) | (lab.fields - r.fields)
            if wrong:
                out["fields"].append(
                    f"{lab.id}: got {sorted(r.fields)}, want {sorted(lab.fields)}"
                    f" (may {sorted(lab.fields_may)})"
                )
            if lab.title and not _same_title(r.title, lab.title):
                out["title"].append(f"{lab.id}: got {r.title[:90]!r}, want {lab.title[:90]!r}")
            elif not lab.title and (not r.title or len(r.title) > MAX_HEADLINE_CHARS):
                out["title"].append(f"{lab.id}: got {r.title[:90]!r} (no headline printed)")
        return out


def load_labels(folder: Path) -> dict[str, Label]:
    labels = {}
    for line in (folder / "labels.jsonl").read_text(encoding="utf-8").splitlines():
        if not line.strip():
            continue
        row = json.loads(line)
        labels[row["url"]] = Label(
            id=row["id"],
            url=row["url"],
            title=row.get("title"),
            province=row.get("province"),
            date=row.get("date"),
            fields=frozenset(FIELD_BY_LABEL[f] for f in row.get("fields", ())),
            fields_may=frozenset(FIELD_BY_LABEL[f] for f in row.get("fields_may", ())),
            date_source=row.get("date_source", ""),
        )
    return labels


def evaluate(folder: str | Path) -> AccuracyReport:
    """Read every page of the set as the importer would and compare with its labels."""
    folder = Path(folder)
    labels = load_labels(folder)
    lookup = make_field_lookup(reference_field_rows())
    matcher = default_matcher()
    report = AccuracyReport()
    lines = (folder / "pages.jsonl").read_text(encoding="utf-8").splitlines()
    for number, text in enumerate(lines, 1):
        if not text.strip():
            continue
        label = labels[json.loads(text)["url"]]
        try:
            article = article_from_json_line(
                JsonLine(number, text), field_lookup=lookup, matcher=matcher
            )
        except SkipInput as exc:
            report.results.append(PageResult(label, None, dropped=exc.reason))
            continue
        report.results.append(PageResult(label, article))
    return report


def reasons_count(report: AccuracyReport) -> Counter:
    return Counter(reason for r in report.kept for reason in r.article.review_reasons)
