"""How well the search ranks: nDCG@10 of judged queries, beside plain baselines.

A judged set is a folder with ``queries.json``: each query's words, its
kind (with diacritics, without, abbreviations, phrases, tone variants, long
questions), the articles a reader wants (grade 2) or finds related (1), and
for a variant the query it must agree with. Its ``corpus`` names a folder of
``pages.jsonl`` (what a scraper delivers), imported through the importer
like any archive; articles are named by ``labels.jsonl`` ids or, in a
small hand-made corpus, by each record's own ``id``.

The baselines index the same articles in a throwaway Whoosh index with no
analysis of ours: Whoosh's StandardAnalyzer over title and text, and pyvi's
words with syllables and folded syllables in one field, both BM25F and
matching any word. The margin above them is what the portal's analysis,
query planning and ranking earn.
"""

from __future__ import annotations

import json
import math
import tempfile
from collections import defaultdict
from collections.abc import Callable, Iterable
from dataclasses import dataclass
from pathlib import Path

TOP = 10


@dataclass(frozen=True)
class Case:
    id: str
    kind: str
    q: str
    judgments: dict[str, int]
    variant_of: str | None = None


@dataclass
class Result:
    case: Case
    ranking: list[str]  # article ids, best first
    total: int

    @property
    def ndcg(self) -> float:
        return ndcg_at(self.ranking, self.case.judgments)


@dataclass(frozen=True)
class JudgedSet:
    folder: Path
    corpus: Path
    cases: list[Case]

    @classmethod
    def load(cls, folder: str | Path) -> JudgedSet:
        folder = Path(folder)
        data = json.loads((folder / "queries.json").read_text(encoding="utf-8"))
        cases = [
            Case(
                id=q["id"],
                kind=q["kind"],
                q=q["q"],
                judgments=dict(q["judgments"]),
                variant_of=q.get("variant_of"),
            )
            for q in data["queries"]
        ]
        return cls(folder, (folder / data.get("corpus", ".")).resolve(), cases)

    def article_names(self) -> list[str]:
        """The corpus's article ids, in the order of its pages (= import line numbers)."""
        labels = self.corpus / "labels.jsonl"
        source = labels if labels.exists() else self.corpus / "pages.jsonl"
        return [
            json.loads(line)["id"]
            for line in source.read_text(encoding="utf-8").splitlines()
            if line.strip()
        ]


def ndcg_at(ranking: list[str], judgments: dict[str, int], k: int = TOP) -> float:
    def dcg(grades: list[int]) -> float:
        return sum((2**g - 1) / math.log2(i + 2) for i, g in enumerate(grades[:k]))

    ideal = dcg(sorted(judgments.values(), reverse=True))
    if ideal == 0:
        return 1.0
    return dcg([judgments.get(doc, 0) for doc in ranking]) / ideal


# -- the portal ---------------------------------------------------------------------


def import_corpus(judged: JudgedSet) -> dict[int, str]:
    """Import the set's pages (as a scraper's JSON Lines) and index them.

    Returns article pk -> the article's name in the judgments.
    """
    from articles.importer.pipeline import import_paths
    from articles.models import Article
    from articles.search.index.queue import drain, indexing_deferred

    with indexing_deferred():
        report = import_paths([judged.corpus / "pages.jsonl"], update_index=False)
    if report.skipped:
        raise RuntimeError(f"corpus pages not imported: {report.skipped}")
    drain()
    names = judged.article_names()
    return {
        pk: names[item - 1]
        for pk, item in Article.objects.filter(source_file="pages.jsonl").values_list(
            "pk", "source_item"
        )
    }


def run_portal(judged: JudgedSet, names: dict[int, str]) -> list[Result]:
    from articles.search.service import SearchParams, search

    results = []
    for case in judged.cases:
        outcome = search(SearchParams(q=case.q, page_size=TOP), with_snippets=False)
        ranking = [names.get(hit.article.pk, "?") for hit in outcome.hits]
        results.append(Result(case, ranking, outcome.total))
    return results


# -- summaries ----------------------------------------------------------------------


def by_kind(results: list[Result]) -> dict[str, float]:
    groups: dict[str, list[float]] = defaultdict(list)
    for result in results:
        groups[result.case.kind].append(result.ndcg)
    summary = {kind: sum(v) / len(v) for kind, v in groups.items()}
    summary["all"] = sum(r.ndcg for r in results) / len(results) if results else 0.0
    return summary


def variant_mismatches(results: list[Result], top: int = TOP) -> list[tuple[str, str]]:
    """Pairs (variant, original) whose first ``top`` results differ."""
    by_id = {r.case.id: r for r in results}
    return [
        (r.case.id, r.case.variant_of)
        for r in results
        if r.case.variant_of
        and r.case.variant_of in by_id
        and r.ranking[:top] != by_id[r.case.variant_of].ranking[:top]
    ]


def empty_results(results: list[Result]) -> list[str]:
    """Queries of two or more words that found nothing although they are judged."""
    return [
        r.case.id
        for r in results
        if r.total == 0 and len(r.case.q.split()) >= 2 and any(r.case.judgments.values())
    ]


# -- the plain baselines ------------------------------------------------------------


def _baseline_analysis(text: str) -> str:
    from articles.analysis import segment
    from articles.text import fold, normalize

    words = [w.lower() for w in segment(normalize(text))]
    syllables = [s for w in words for s in w.split("_") if any(c.isalnum() for c in s)]
    compound = [w for w in words if "_" in w]
    return " ".join(syllables + compound + [fold(s) for s in syllables])


def run_baselines(
    judged: JudgedSet, articles: Iterable[tuple[str, str, str]]
) -> dict[str, list[Result]]:
    """Rankings of the plain baselines over ``articles`` (name, title, body)."""
    from whoosh.analysis import RegexTokenizer, StandardAnalyzer
    from whoosh.fields import ID, TEXT, Schema
    from whoosh.index import create_in
    from whoosh.query import Or, Term
    from whoosh.scoring import BM25F

    articles = list(articles)
    setups: dict[str, tuple[object, Callable[[str], str]]] = {
        "standard_analyzer": (StandardAnalyzer(), lambda text: text),
        "pyvi_words_syllables_folded": (RegexTokenizer(r"\S+"), _baseline_analysis),
    }
    out: dict[str, list[Result]] = {}
    for name, (analyzer, prepare) in setups.items():
        with tempfile.TemporaryDirectory(prefix="baseline-") as folder:
            schema = Schema(name=ID(stored=True), content=TEXT(analyzer=analyzer))
            index = create_in(folder, schema)
            writer = index.writer()
            for article_name, title, body in articles:
                writer.add_document(name=article_name, content=prepare(f"{title}\n{body}"))
            writer.commit()
            results = []
            with index.searcher(weighting=BM25F()) as searcher:
                for case in judged.cases:
                    # Any word: the query's tokens OR-ed, no syntax of any kind.
                    tokens = dict.fromkeys(t.text for t in analyzer(prepare(case.q)))
                    query = Or([Term("content", token) for token in tokens])
                    hits = searcher.search(query, limit=TOP)
                    ranking = [hit["name"] for hit in hits]
                    results.append(Result(case, ranking, len(hits)))
            index.storage.close()
        out[name] = results
    return out


def corpus_articles(names: dict[int, str]) -> list[tuple[str, str, str]]:
    from articles.models import Article

    rows = Article.objects.filter(pk__in=names).values_list("pk", "title", "body")
    return [(names[pk], title, body) for pk, title, body in rows]


@dataclass
class Evaluation:
    judged: JudgedSet
    portal: list[Result]
    baselines: dict[str, list[Result]]

    @property
    def margin(self) -> float:
        best = max((by_kind(r)["all"] for r in self.baselines.values()), default=0.0)
        return by_kind(self.portal)["all"] - best


def evaluate(folder: str | Path, *, baselines: bool = True) -> Evaluation:
    """Import the set's corpus into the current database and index, and rank."""
    judged = JudgedSet.load(folder)
    names = import_corpus(judged)
    portal = run_portal(judged, names)
    others = run_baselines(judged, corpus_articles(names)) if baselines else {}
    return Evaluation(judged, portal, others)
