"""The OpenSearch engine: an alias that serves, indices behind it.

Readers and writers use the alias (``OPENSEARCH_INDEX``). A rebuild creates
a new index beside the serving one, fills it, and moves the alias to it in
one ``update_aliases`` call, so a search reads the old index or the new
one, whole. While it runs, the new index also carries the alias
``<name>-building`` and every writer writes to it as well; each document
is written with an external version (the time it was read from the
database), so a rebuild's older copy never replaces an edit made after it
was read. A rebuild that dies leaves the alias where it was; the next one
deletes what it left behind.
"""

from __future__ import annotations

import time
from collections.abc import Callable, Iterable, Mapping

from opensearchpy import OpenSearchException, helpers

from articles.search.engines.base import (
    BuildReport,
    Document,
    IndexWriter,
    SearchEngine,
    SearchUnavailable,
)
from articles.search.engines.opensearch import mapping, translate
from articles.search.engines.progress import Progress
from articles.search.plan import EngineResult, QueryPlan

BATCH = 500  # documents per bulk request of a rebuild
SPELLINGS_TTL = 60.0  # seconds a syllable's spellings are kept per process
CONFLICT = 409  # an older copy than the one indexed: nothing to do


def _now_version() -> int:
    return time.time_ns() // 1000


def _ignorable(error: dict) -> bool:
    """A write that lost to a newer version, or a delete of what is not there."""
    ((operation, info),) = error.items()
    return info.get("status") == CONFLICT or (operation == "delete" and info.get("status") == 404)


def _unavailable(exc: Exception) -> SearchUnavailable:
    return SearchUnavailable(f"OpenSearch: {type(exc).__name__}: {exc}")


class OpenSearchWriter(IndexWriter):
    def __init__(self, engine: OpenSearchEngine) -> None:
        self.engine = engine
        self.actions: list[dict] = []

    def add(self, documents: Iterable[Document]) -> int:
        version = _now_version()
        count = 0
        for document in documents:
            self.actions.append(self.engine.index_action(document, version))
            count += 1
        return count

    def delete(self, ids: Iterable[int]) -> None:
        version = _now_version()
        for pk in ids:
            self.actions.append(
                {
                    "_op_type": "delete",
                    "_id": str(pk),
                    "version": version,
                    "version_type": "external_gte",
                }
            )

    def commit(self) -> None:
        actions, self.actions = self.actions, []
        if actions:
            self.engine.send(actions, targets=self.engine.write_targets(), refresh="wait_for")

    def cancel(self) -> None:
        self.actions = []


class OpenSearchEngine(SearchEngine):
    name = "opensearch"

    def __init__(
        self,
        client,
        alias: str,
        fields: Mapping[str, object],
        *,
        stamp: str = "",
        shards: int = 1,
        replicas: int = 0,
    ) -> None:
        self.client = client
        self.alias = alias
        self.building = f"{alias}-building"
        self.fields = fields
        self.properties = mapping.field_kinds(fields)
        self.stamp = stamp
        self.shards, self.replicas = shards, replicas
        self._ready = False
        self._spellings: dict[str, tuple[float, dict[str, int]]] = {}

    # -- indices and the alias -------------------------------------------------------

    def _create(self, name: str, aliases: dict, stamp: str, *, building: bool = False) -> None:
        body = mapping.index_body(
            self.fields, stamp, shards=self.shards, replicas=0 if building else self.replicas
        )
        if building:
            body["settings"]["index"]["refresh_interval"] = "-1"
        body["aliases"] = aliases
        self.client.indices.create(index=name, body=body)

    def ensure_index(self) -> None:
        """The alias and a first, empty index behind it, if there is none yet."""
        if self._ready:
            return
        try:
            if not self.client.indices.exists_alias(name=self.alias):
                # A fixed name: two processes starting at once create it once.
                self.client.indices.create(
                    index=f"{self.alias}-first",
                    body={
                        **mapping.index_body(
                            self.fields, self.stamp, shards=self.shards, replicas=self.replicas
                        ),
                        "aliases": {self.alias: {}},
                    },
                    ignore=400,
                )
        except OpenSearchException as exc:
            raise _unavailable(exc) from exc
        self._ready = True

    def _indices_of(self, alias: str) -> list[str]:
        if not self.client.indices.exists_alias(name=alias):
            return []
        return sorted(self.client.indices.get_alias(name=alias))

    def write_targets(self) -> list[str]:
        return [self.alias, *self._indices_of(self.building)]

    def index_action(self, document: Document, version: int) -> dict:
        return {
            "_op_type": "index",
            "_id": str(document["django_id"]),
            "_source": mapping.source(document, self.properties),
            "version": version,
            "version_type": "external_gte",
        }

    def send(self, actions: list[dict], *, targets: list[str], refresh) -> None:
        """Write ``actions`` to each target; only the serving alias is waited
        for (``refresh``): an index being built is not refreshed until it is done."""
        self.ensure_index()
        try:
            for target in targets:
                _, errors = helpers.bulk(
                    self.client,
                    [{**action, "_index": target} for action in actions],
                    raise_on_error=False,
                    refresh=refresh if target == self.alias else False,
                )
                failed = [error for error in errors if not _ignorable(error)]
                if failed:
                    raise SearchUnavailable(f"OpenSearch refused {len(failed)}: {failed[:3]}")
        except OpenSearchException as exc:
            raise _unavailable(exc) from exc

    # -- reading ---------------------------------------------------------------------

    def _search(self, body: dict) -> dict:
        self.ensure_index()
        try:
            return self.client.search(index=self.alias, body=body)
        except OpenSearchException as exc:
            raise _unavailable(exc) from exc

    def search(self, plan: QueryPlan) -> EngineResult:
        response = self._search(translate.request_body(plan))
        hits = [
            (int(hit["_id"]), float(hit.get("_score") or 0.0)) for hit in response["hits"]["hits"]
        ]
        aggregations = response.get("aggregations", {})
        facets = {
            name: {
                str(bucket["key"]): bucket["doc_count"]
                for bucket in aggregations.get(name, {}).get("values", {}).get("buckets", [])
            }
            for name in plan.facets
        }
        return EngineResult(total=response["hits"]["total"]["value"], hits=hits, facets=facets)

    def document_frequencies(self, field: str, terms: Iterable[str]) -> dict[str, int]:
        terms = list(dict.fromkeys(terms))
        if not terms:
            return {}
        buckets = self._search(translate.counts_body(field, terms))["aggregations"]["terms"]
        return {term: buckets["buckets"][term]["doc_count"] for term in terms}

    def spelling_variants(self, folded: str) -> dict[str, int]:
        kept = self._spellings.get(folded)
        if kept is not None and time.monotonic() - kept[0] < SPELLINGS_TTL:
            return kept[1]
        candidates = translate.spelling_candidates(folded)
        counts = self.document_frequencies("text", candidates)
        found = {spelling: n for spelling, n in counts.items() if n}
        if len(self._spellings) > 10_000:
            self._spellings.clear()
        self._spellings[folded] = (time.monotonic(), found)
        return found

    def doc_count(self) -> int:
        self.ensure_index()
        try:
            return self.client.count(index=self.alias)["count"]
        except OpenSearchException as exc:
            raise _unavailable(exc) from exc

    def indexed_ids(self) -> set[int]:
        self.ensure_index()
        try:
            return {
                int(hit["_id"])
                for hit in helpers.scan(
                    self.client, index=self.alias, query={"_source": False}, size=5000
                )
            }
        except OpenSearchException as exc:
            raise _unavailable(exc) from exc

    def verify(self) -> list[str]:
        try:
            if not self.client.indices.exists_alias(name=self.alias):
                return [f"Không có chỉ mục {self.alias} trên OpenSearch."]
            health = self.client.cluster.health(index=self.alias)
        except OpenSearchException as exc:
            return [str(_unavailable(exc))]
        if health.get("status") == "red":
            return [f"Chỉ mục {self.alias} trên OpenSearch đang ở trạng thái đỏ (thiếu phân mảnh)."]
        return []

    # -- writing ---------------------------------------------------------------------

    def writer(self, timeout: float | None = None) -> OpenSearchWriter:
        # No lock to wait for: versions order concurrent writes.
        return OpenSearchWriter(self)

    def clear(self) -> None:
        self.ensure_index()
        try:
            self.client.delete_by_query(
                index=self.alias,
                body={"query": {"match_all": {}}},
                refresh=True,
                conflicts="proceed",
            )
            if self.stamp:
                self.client.indices.put_mapping(
                    index=self.alias,
                    body={"_meta": {mapping.STAMP: mapping.stored_stamp(self.stamp)}},
                )
        except OpenSearchException as exc:
            raise _unavailable(exc) from exc

    def format_stamp(self) -> str | None:
        self.ensure_index()
        try:
            mappings = self.client.indices.get_mapping(index=self.alias)
        except OpenSearchException as exc:
            raise _unavailable(exc) from exc
        for description in mappings.values():
            return mapping.read_stamp(description["mappings"].get("_meta", {}).get(mapping.STAMP))
        return None

    def rebuild(
        self,
        ids: list[int],
        *,
        workers: int = 2,
        log: Callable[[str], None] | None = None,
        stamp: str = "",
    ) -> BuildReport:
        from articles.search.index.document import documents, indexable

        started = time.perf_counter()
        self.ensure_index()
        # What a dead rebuild left: indices still marked as building.
        for leftover in self._indices_of(self.building):
            self.client.indices.delete(index=leftover)
        name = f"{self.alias}-{time.strftime('%Y%m%d%H%M%S')}-{time.time_ns() % 1_000_000:06d}"
        self._create(name, {self.building: {}}, stamp or self.stamp, building=True)
        progress = Progress(len(ids), log)
        done = 0
        for start in range(0, len(ids), BATCH):
            version = _now_version()  # before reading: a later edit wins
            batch = documents(indexable().filter(pk__in=ids[start : start + BATCH]))
            self.send([self.index_action(d, version) for d in batch], targets=[name], refresh=False)
            done += len(ids[start : start + BATCH])
            progress.update(done)
        self.client.indices.put_settings(
            index=name,
            body={"index": {"refresh_interval": "1s", "number_of_replicas": self.replicas}},
        )
        self.client.indices.refresh(index=name)
        serving = self._indices_of(self.alias)
        actions = [{"remove": {"index": old, "alias": self.alias}} for old in serving]
        actions += [
            {"add": {"index": name, "alias": self.alias}},
            {"remove": {"index": name, "alias": self.building}},
        ]
        self.client.indices.update_aliases(body={"actions": actions})
        for old in serving:
            self.client.indices.delete(index=old, ignore=404)
        count = self.client.count(index=self.alias)["count"]
        stats = self.client.indices.stats(index=name, metric="store")
        size = stats["_all"]["primaries"]["store"]["size_in_bytes"]
        return BuildReport(
            documents=count,
            seconds=time.perf_counter() - started,
            workers=1,
            index_bytes=size,
            segments=0,
        )

    def delete_all_indices(self) -> None:
        """Every index of this alias, serving or building (tests, a fresh start)."""
        for alias in (self.alias, self.building):
            for name in self._indices_of(alias):
                self.client.indices.delete(index=name, ignore=404)
        self.client.indices.delete(index=f"{self.alias}-first", ignore=404)
        self._ready = False
