"""Our Whoosh backend for haystack.

What it changes in haystack's stock ``WhooshSearchBackend`` and why:

- Schema: facet and filter fields (``province``, ``year``, ``fields`` and
  their ``*_exact`` shadows) are whole-value ID/KEYWORD fields, not stemmed
  TEXT, so "Hà Nội" is one facet value, not "hà" and "nội". Text fields hold
  pre-analyzed tokens (``articles.analysis``) split on spaces only.
- One long-lived searcher per process, refreshed only when the index on disk
  has a newer generation; no extra searcher and no all-documents "narrow"
  query per search; match-all is the cached set of live documents, not an
  ``Every`` query.
- Facet counts come from per-value document sets, cached per searcher and
  intersected with the hit set, instead of a walk over every hit per query.
- Writes take the write lock with a timeout and raise when they cannot get
  it, instead of being dropped silently (stock ``remove``) or buffered in a
  thread that may never commit (``AsyncWriter``); the index queue in
  ``articles.search.indexing`` keeps what could not be written yet.
- Highlighting uses our analysis and escapes the text (``highlight.py``).
"""

from __future__ import annotations

import heapq
import threading
from collections.abc import Iterable, Sequence
from dataclasses import dataclass, field

from django.conf import settings
from haystack.backends import BaseEngine
from haystack.backends.whoosh_backend import WhooshSearchBackend, WhooshSearchQuery
from haystack.constants import DJANGO_CT, DJANGO_ID, ID
from haystack.models import SearchResult
from haystack.utils import get_identifier
from whoosh import query as wq
from whoosh.analysis import RegexTokenizer
from whoosh.fields import ID as WHOOSH_ID
from whoosh.fields import KEYWORD, NUMERIC, TEXT, Schema
from whoosh.formats import Frequency, Positions
from whoosh.qparser import QueryParser
from whoosh.scoring import BM25F
from whoosh.system import pack_uint

from articles.analysis import analyze
from articles.text import fold

FACET_FIELDS = ("province", "year", "fields")


class _TokenAnalyzer:
    """Whoosh analyzer for pre-analyzed text: split on whitespace.

    Query strings that come through haystack's own query builder are
    normalized the same way (NFC, tone placement, lowercase) so that
    ``SearchQuerySet().filter(content=...)`` matches what we indexed.
    """

    def __init__(self, folded: bool = False) -> None:
        self.folded = folded
        self._tokenizer = RegexTokenizer(r"\S+")

    def __call__(self, value, **kwargs):
        if kwargs.get("mode") == "query":
            tokens = analyze(value, use_segmenter=False)
            value = " ".join(tokens.folded if self.folded else tokens.syllables)
        yield from self._tokenizer(value, **kwargs)

    def __eq__(self, other) -> bool:
        return isinstance(other, _TokenAnalyzer) and other.folded == self.folded


class PreAnalyzedText(TEXT):
    """A TEXT field whose indexed value is already a string of tokens.

    Indexing splits on whitespace directly instead of going through Whoosh's
    token objects, which is several times faster and writes exactly the same
    postings (same terms, frequencies, weights and encoded positions).
    Queries still go through ``_TokenAnalyzer``.
    """

    def index(self, value, **kwargs):
        fmt = self.format
        if not isinstance(value, str) or type(fmt) not in (Positions, Frequency):
            yield from super().index(value, **kwargs)
            return
        boost = fmt.field_boost
        if type(fmt) is Positions:
            positions: dict[str, list[int]] = {}
            for position, token in enumerate(value.split()):
                seen = positions.get(token)
                if seen is None:
                    positions[token] = [position]
                else:
                    seen.append(position)
            encode = fmt.encode
            for token, poslist in positions.items():
                freq = len(poslist)
                yield token.encode("utf-8"), freq, float(freq) * boost, encode(poslist)
        else:
            counts: dict[str, int] = {}
            for token in value.split():
                counts[token] = counts.get(token, 0) + 1
            for token, freq in counts.items():
                yield token.encode("utf-8"), freq, float(freq) * boost, pack_uint(freq)


def analyzed_text_field(positions: bool, folded: bool, boost: float = 1.0) -> TEXT:
    text_field = PreAnalyzedText(
        analyzer=_TokenAnalyzer(folded), phrase=positions, field_boost=boost
    )
    text_field.format = Positions() if positions else Frequency()
    return text_field


@dataclass
class FacetCache:
    """Per-searcher document sets: the live documents and each facet value's."""

    live: frozenset[int]
    values: dict[str, dict[str, frozenset[int]]]
    pub: list[int]
    django_ids: dict[int, int] = field(default_factory=dict)
    spellings: dict[str, str] | None = None


@dataclass
class RawHits:
    total: int
    hits: list[tuple[int, float]]  # (article id, score)
    facets: dict[str, dict[str, int]]


class VietnameseWhooshBackend(WhooshSearchBackend):
    def __init__(self, connection_alias, **connection_options):
        super().__init__(connection_alias, **connection_options)
        self._lock = threading.RLock()
        self._searcher = None
        self._cache: FacetCache | None = None

    # -- schema ---------------------------------------------------------

    def build_schema(self, fields):
        schema_fields = {
            ID: WHOOSH_ID(stored=True, unique=True),
            DJANGO_CT: WHOOSH_ID(stored=True),
            DJANGO_ID: WHOOSH_ID(stored=True),
        }
        content_field_name = ""
        for _, field_class in fields.items():
            name = field_class.index_fieldname
            field_type = field_class.field_type
            is_facet = getattr(field_class, "facet_for", None) or field_class.faceted
            if field_type == "analyzed":
                schema_fields[name] = analyzed_text_field(
                    positions=field_class.positions,
                    folded=name.endswith("folded"),
                    boost=field_class.boost,
                )
            elif field_type == "keywords" or (is_facet and field_class.is_multivalued):
                schema_fields[name] = KEYWORD(commas=True, lowercase=False, scorable=False)
            elif is_facet or (field_type == "string" and not field_class.document):
                # Whole values: facets and filters must not be tokenized.
                schema_fields[name] = WHOOSH_ID(stored=False)
            elif field_type == "integer":
                schema_fields[name] = NUMERIC(numtype=int, bits=32, sortable=True, signed=False)
            else:
                schema_fields[name] = TEXT(analyzer=_TokenAnalyzer(), phrase=False)
            if field_class.document:
                content_field_name = name
        return content_field_name, Schema(**schema_fields)

    def setup(self):
        super().setup()
        self.parser = QueryParser(self.content_field_name, schema=self.schema)

    # -- writing ----------------------------------------------------------

    def open_writer(self, timeout: float | None = None):
        """A writer holding the index's write lock; raises LockError after ``timeout``."""
        if not self.setup_complete:
            self.setup()
        if timeout is None:
            timeout = settings.PORTAL_INDEX_LOCK_TIMEOUT
        return self.index.writer(timeout=timeout, delay=0.05)

    def document_fields(self, index, obj) -> dict:
        """The Whoosh fields of ``obj``'s document, as every write path stores them."""
        doc = index.full_prepare(obj)
        doc.pop("boost", None)
        return {k: self._to_field(k, v) for k, v in doc.items()}

    def write_documents(self, writer, index, objs: Iterable) -> int:
        count = 0
        for obj in objs:
            writer.update_document(**self.document_fields(index, obj))
            count += 1
        return count

    def _to_field(self, name: str, value):
        if isinstance(value, (list, tuple, set)):
            return ",".join(str(v) for v in value)
        if isinstance(value, int) and not isinstance(self.schema[name], NUMERIC):
            return str(value)
        return self._from_python(value)

    def delete_documents(self, writer, pks: Iterable[int]) -> None:
        for pk in pks:
            writer.delete_by_term(ID, f"articles.article.{pk}")

    def update(self, index, iterable, commit=True):
        objs = list(iterable)
        if not objs:
            return
        writer = self.open_writer()
        try:
            self.write_documents(writer, index, objs)
            writer.commit()
        except BaseException:
            writer.cancel()
            raise

    def remove(self, obj_or_string, commit=True):
        whoosh_id = get_identifier(obj_or_string)
        writer = self.open_writer()
        try:
            writer.delete_by_term(ID, whoosh_id)
            writer.commit()
        except BaseException:
            writer.cancel()
            raise

    def clear(self, models=None, commit=True):
        with self._lock:
            self._close_searcher()
            super().clear(models=models, commit=commit)
            if not self.setup_complete or not self.index.doc_count():
                self.setup_complete = False
                self.setup()

    def delete_index(self):
        with self._lock:
            self._close_searcher()
            super().delete_index()

    # -- reading ----------------------------------------------------------

    def _close_searcher(self) -> None:
        if self._searcher is not None:
            self._searcher.close()
        self._searcher = None
        self._cache = None

    def searcher(self):
        """The process's searcher, refreshed when another writer committed."""
        with self._lock:
            if not self.setup_complete:
                self.setup()
            if self._searcher is None:
                self.index = self.storage.open_index(schema=self.schema)
                self._searcher = self.index.searcher(weighting=BM25F(B=0.75, K1=1.2))
                self._cache = None
            elif not self._searcher.up_to_date():
                self._searcher = self._searcher.refresh()
                self._cache = None
            return self._searcher

    def facet_cache(self) -> FacetCache:
        with self._lock:
            searcher = self.searcher()
            if self._cache is None:
                self._cache = self._build_cache(searcher)
            return self._cache

    def _build_cache(self, searcher) -> FacetCache:
        reader = searcher.reader()
        live = frozenset(reader.all_doc_ids())
        values: dict[str, dict[str, frozenset[int]]] = {}
        for name in FACET_FIELDS:
            per_value: dict[str, frozenset[int]] = {}
            if name in reader.schema and reader.schema[name].indexed:
                for term in reader.field_terms(name):
                    docs = frozenset(reader.postings(name, term).all_ids()) & live
                    if docs:
                        per_value[term] = docs
            values[name] = per_value
        pub = [0] * reader.doc_count_all()
        if reader.has_column("pub"):
            column = reader.column_reader("pub")
            pub = [column[i] or 0 for i in range(reader.doc_count_all())]
        return FacetCache(live=live, values=values, pub=pub)

    def django_id(self, docnum: int) -> int:
        with self._lock:
            cache = self.facet_cache()
            return self._django_id(self._searcher, cache, docnum)

    @staticmethod
    def _django_id(searcher, cache: FacetCache, docnum: int) -> int:
        # Docnums belong to one generation: read them from the searcher the
        # cache was built from, never from a newer one (another process may
        # have committed in the meantime).
        pk = cache.django_ids.get(docnum)
        if pk is None:
            pk = int(searcher.stored_fields(docnum)[DJANGO_ID])
            cache.django_ids[docnum] = pk
        return pk

    def spellings(self) -> dict[str, str]:
        """Folded syllable or word -> its most frequent spelling in the index."""
        cache = self.facet_cache()
        spelled = getattr(cache, "spellings", None)
        if spelled is None:
            best: dict[str, tuple[int, str]] = {}
            reader = self.searcher().reader()
            for name in ("text", "words"):
                if name not in reader.schema:
                    continue
                for term, info in reader.iter_field(name):
                    text = term.decode("utf-8") if isinstance(term, bytes) else term
                    key = fold(text)
                    if key != text and info.doc_frequency() > best.get(key, (0, ""))[0]:
                        best[key] = (info.doc_frequency(), text)
            spelled = {key: text for key, (_, text) in best.items()}
            cache.spellings = spelled
        return spelled

    def doc_count(self) -> int:
        return len(self.facet_cache().live)

    def run_query(
        self,
        q: wq.Query | None,
        *,
        score: wq.Query | None = None,
        exclude: wq.Query | None = None,
        filters: dict[str, Sequence[str]] | None = None,
        year_range: tuple[int | None, int | None] | None = None,
        facet_fields: Sequence[str] = FACET_FIELDS,
        sort: str = "relevance",
        offset: int = 0,
        limit: int = 20,
    ) -> RawHits:
        """Match, filter, count facets and rank in one pass over cached sets.

        ``q=None`` matches every document; ``exclude`` removes its matches;
        ``score`` (a superset of ``q``'s clauses) ranks the hits. Within a facet the selected values
        are OR-ed, across facets AND-ed; each facet is counted with the other
        facets' filters only, so its counts stay honest while selected.
        """
        with self._lock:
            # One snapshot for the whole query: calling searcher() again could
            # refresh it and close the one this query is reading.
            cache = self.facet_cache()
            searcher = self._searcher
            if q is None:
                matched = cache.live
            else:
                matched = frozenset(searcher.docs_for_query(q)) & cache.live
            if exclude is not None:
                matched = matched - frozenset(searcher.docs_for_query(exclude))

            restrictions: dict[str, frozenset[int]] = {}
            for name, selected in (filters or {}).items():
                if not selected:
                    continue
                per_value = cache.values.get(name, {})
                docs: set[int] = set()
                for value in selected:
                    docs |= per_value.get(str(value), frozenset())
                restrictions[name] = frozenset(docs)
            if year_range and any(y is not None for y in year_range):
                low, high = year_range
                docs = set()
                for value, value_docs in cache.values.get("year", {}).items():
                    year = int(value)
                    if (low is None or year >= low) and (high is None or year <= high):
                        docs |= value_docs
                restrictions["_year_range"] = frozenset(docs)

            def restricted(base: frozenset[int], skip: str | None = None) -> frozenset[int]:
                result = base
                for name, docs in restrictions.items():
                    if name != skip:
                        result = result & docs
                return result

            hits = restricted(matched)
            facets: dict[str, dict[str, int]] = {}
            for name in facet_fields:
                base = restricted(matched, skip=name)
                counts = {}
                for value, docs in cache.values.get(name, {}).items():
                    n = len(base & docs) if len(base) > len(docs) else len(docs & base)
                    if n:
                        counts[value] = n
                facets[name] = counts

            wanted = offset + limit
            if sort in {"newest", "oldest"} or q is None:
                pub = cache.pub
                if sort == "oldest":
                    top = heapq.nsmallest(wanted, hits, key=lambda d: (pub[d] or 10**7, d))
                else:
                    top = heapq.nlargest(wanted, hits, key=lambda d: (pub[d], d))
                ranked = [(d, 0.0) for d in top[offset:]]
            else:
                ranked = self._rank(searcher, score or q, hits, wanted, cache)[offset:]
            return RawHits(
                total=len(hits),
                hits=[(self._django_id(searcher, cache, d), score) for d, score in ranked],
                facets=facets,
            )

    def _rank(self, searcher, q, hits: frozenset[int], wanted: int, cache: FacetCache):
        if not hits or wanted <= 0:
            return []
        # A few extra so that ties at the page edge can be broken by recency.
        results = searcher.search(q, limit=wanted + 10, filter=set(hits), terms=False)
        scored = [(hit.docnum, round(hit.score, 6)) for hit in results]
        scored.sort(key=lambda item: (-item[1], -cache.pub[item[0]]))
        return scored[:wanted]

    # -- haystack's search API ------------------------------------------------

    def search(
        self,
        query_string,
        sort_by=None,
        start_offset=0,
        end_offset=None,
        fields="",
        highlight=False,
        facets=None,
        date_facets=None,
        query_facets=None,
        narrow_queries=None,
        spelling_query=None,
        within=None,
        dwithin=None,
        distance_point=None,
        models=None,
        limit_to_registered_models=None,
        result_class=None,
        **kwargs,
    ):
        """haystack's contract, on top of ``run_query``.

        ``query_string`` is in Whoosh syntax as haystack's query builder
        writes it; ``*`` (or ``*:*``) matches everything without an
        ``Every`` query. Narrow queries become document sets.
        """
        if not self.setup_complete:
            self.setup()
        query_string = (query_string or "").strip()
        if not query_string:
            return {"results": [], "hits": 0, "facets": {}, "spelling_suggestion": None}
        q = None if query_string in {"*", "*:*"} else self.parser.parse(query_string)
        if q is not None and q is wq.NullQuery:
            return {"results": [], "hits": 0, "facets": {}, "spelling_suggestion": None}
        for narrow in narrow_queries or ():
            nq = self.parser.parse(str(narrow))
            q = nq if q is None else wq.And([q, nq])

        sort = "relevance"
        if sort_by:
            first = sort_by[0]
            if first.lstrip("-") in {"pub", "date"}:
                sort = "newest" if first.startswith("-") else "oldest"
        offset = start_offset or 0
        limit = (end_offset - offset) if end_offset is not None else 20
        raw = self.run_query(
            q,
            facet_fields=[f.removesuffix("_exact") for f in (facets or ())],
            sort=sort,
            offset=offset,
            limit=max(limit, 0),
        )
        result_class = result_class or SearchResult
        results = []
        highlights = {}
        if highlight and raw.hits:
            from articles.search.highlight import highlight_articles

            highlights = highlight_articles([pk for pk, _ in raw.hits], query_string)
        for pk, score in raw.hits:
            extra = {}
            if highlight:
                extra["highlighted"] = {self.content_field_name: [highlights.get(pk, "")]}
            results.append(result_class("articles", "article", str(pk), score, **extra))
        facet_counts = {"fields": {}, "dates": {}, "queries": {}}
        for requested in facets or ():
            counts = raw.facets.get(requested.removesuffix("_exact"), {})
            facet_counts["fields"][requested] = sorted(
                counts.items(), key=lambda item: (-item[1], item[0])
            )
        return {
            "results": results,
            "hits": raw.total,
            "facets": facet_counts,
            "spelling_suggestion": None,
        }


class VietnameseWhooshSearchQuery(WhooshSearchQuery):
    def clean(self, query_fragment):
        # Our analyzer tokenizes on whitespace only; reserved characters
        # (the hyphen of 43/2011/NĐ-CP among them) are handled by it.
        return super().clean(query_fragment)


class VietnameseWhooshEngine(BaseEngine):
    backend = VietnameseWhooshBackend
    query = VietnameseWhooshSearchQuery


def get_backend() -> VietnameseWhooshBackend:
    from haystack import connections

    return connections["default"].get_backend()


def fold_terms(terms: Iterable[str]) -> list[str]:
    return [fold(t) for t in terms]
