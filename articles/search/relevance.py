"""Relevance evaluation: judged queries over a small corpus, scored by nDCG@10.

The corpus and the judgments live in ``tests/relevance/``; ``manage.py
evaluate_relevance`` loads them into a throwaway database and index and
prints the figures by query kind.
"""

from __future__ import annotations

import datetime as dt
import json
import math
from collections import defaultdict
from dataclasses import dataclass
from pathlib import Path

RELEVANCE_DIR = Path(__file__).resolve().parents[2] / "tests" / "relevance"


@dataclass
class QueryResult:
    id: str
    kind: str
    q: str
    ranking: list[str]  # corpus ids, best first
    ndcg: float
    variant_of: str | None = None


def load_corpus(path: Path = RELEVANCE_DIR / "articles.jsonl") -> dict[str, int]:
    """Create the corpus articles; return corpus id -> article pk."""
    from articles.models import Article, IctField, Province
    from articles.text import normalize

    provinces = {p.name: p for p in Province.objects.all()}
    fields = {f.code: f for f in IctField.objects.all()}
    ids: dict[str, int] = {}
    for line in path.read_text(encoding="utf-8").splitlines():
        if not line.strip():
            continue
        row = json.loads(line)
        article = Article.objects.create(
            title=normalize(row["title"]),
            body=normalize(row["body"]),
            date=dt.date.fromisoformat(row["date"]),
            date_precision="day",
            province=provinces[row["province"]],
            source_file=f"relevance/{row['id']}",
        )
        article.fields.set([fields[code] for code in row["fields"]])
        ids[row["id"]] = article.pk
    return ids


def ndcg_at(ranking: list[str], judgments: dict[str, int], k: int = 10) -> float:
    def dcg(grades: list[int]) -> float:
        return sum((2**g - 1) / math.log2(i + 2) for i, g in enumerate(grades[:k]))

    ideal = dcg(sorted(judgments.values(), reverse=True))
    if ideal == 0:
        return 1.0
    return dcg([judgments.get(doc, 0) for doc in ranking]) / ideal


def evaluate(ids: dict[str, int], path: Path = RELEVANCE_DIR / "queries.json") -> list[QueryResult]:
    from articles.search.service import SearchParams, search

    by_pk = {pk: rid for rid, pk in ids.items()}
    results = []
    for query in json.loads(path.read_text(encoding="utf-8"))["queries"]:
        outcome = search(SearchParams(q=query["q"], page_size=10), with_snippets=False)
        ranking = [by_pk.get(hit.article.pk, "?") for hit in outcome.hits]
        results.append(
            QueryResult(
                id=query["id"],
                kind=query["kind"],
                q=query["q"],
                ranking=ranking,
                ndcg=ndcg_at(ranking, query["judgments"]),
                variant_of=query.get("variant_of"),
            )
        )
    return results


def by_kind(results: list[QueryResult]) -> dict[str, float]:
    groups: dict[str, list[float]] = defaultdict(list)
    for result in results:
        groups[result.kind].append(result.ndcg)
    summary = {kind: sum(v) / len(v) for kind, v in groups.items()}
    summary["all"] = sum(r.ndcg for r in results) / len(results)
    return summary


def variant_mismatches(results: list[QueryResult], top: int = 3) -> list[tuple[str, str]]:
    """Pairs (query, variant) whose top results differ."""
    by_id = {r.id: r for r in results}
    return [
        (r.id, r.variant_of)
        for r in results
        if r.variant_of and r.ranking[:top] != by_id[r.variant_of].ranking[:top]
    ]
