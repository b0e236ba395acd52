"""The search service: what the search page, listings, feeds, the JSON API
and the admin ask for, independent of HTTP.

``SearchParams.from_query_dict(request.GET)`` reads any query string without
failing (bad values are dropped); ``search(params)`` returns articles with
snippets, facet counts and suggestions.
"""

from __future__ import annotations

import math
from collections.abc import Callable
from dataclasses import dataclass, field, replace
from functools import cached_property

from django.http import QueryDict
from django.utils.safestring import SafeString

from articles.analysis import analyze
from articles.caching import ProcessCache
from articles.models import Article, IctField, Province, attach_ict_fields
from articles.search import diacritics
from articles.search.engines import SearchEngine, get_engine
from articles.search.highlight import highlight_title, snippet
from articles.search.plan import Clause, EngineResult, QueryPlan
from articles.search.planner import plan_query, relaxed
from articles.search.query import MAX_QUERY_CHARS, ParsedQuery, abbreviation_table, parse
from articles.text import fold, xml_safe

SORTS = {
    "relevance": "Liên quan nhất",
    "newest": "Mới nhất",
    "oldest": "Cũ nhất",
}
PAGE_SIZE = 20
MAX_PAGE = 500
MIN_YEAR, MAX_YEAR = 1990, 2100


def _ints(values: list[str]) -> list[int]:
    result = []
    for value in values:
        try:
            number = int(str(value).strip())
        except ValueError:
            continue
        if MIN_YEAR <= number <= MAX_YEAR and number not in result:
            result.append(number)
    return result


def _slugs(values: list[str], known: set[str]) -> list[str]:
    result = []
    for value in values:
        value = str(value).strip().lower()
        if value in known and value not in result:
            result.append(value)
    return result


@dataclass
class SearchParams:
    q: str = ""
    provinces: list[str] = field(default_factory=list)
    years: list[int] = field(default_factory=list)
    fields: list[str] = field(default_factory=list)
    year_from: int | None = None
    year_to: int | None = None
    sort: str = ""
    page: int = 1
    page_size: int = PAGE_SIZE

    @classmethod
    def from_query_dict(cls, data) -> SearchParams:
        """Read ``request.GET`` (or a dict of lists); never raises."""

        def getlist(key: str) -> list[str]:
            if hasattr(data, "getlist"):
                values = data.getlist(key)
            else:
                values = data.get(key, [])
                values = values if isinstance(values, list) else [values]
            # "a,b" and repeated keys both select several values.
            return [part for v in values for part in str(v).split(",") if part.strip()]

        def first(key: str) -> str:
            values = getlist(key) if key not in {"q"} else _raw(data, key)
            return values[0] if values else ""

        years_range = _ints([first("tu_nam")]), _ints([first("den_nam")])
        try:
            page = int(first("page") or 1)
        except ValueError:
            page = 1
        sort = first("sort")
        return cls(
            q=xml_safe(first("q"))[:MAX_QUERY_CHARS],
            provinces=_slugs(getlist("province"), known_province_slugs()),
            years=_ints(getlist("year")),
            fields=_slugs(getlist("field"), known_field_codes()),
            year_from=years_range[0][0] if years_range[0] else None,
            year_to=years_range[1][0] if years_range[1] else None,
            sort=sort if sort in SORTS else "",
            page=min(max(page, 1), MAX_PAGE),
        )

    @property
    def effective_sort(self) -> str:
        if self.sort:
            return self.sort
        return "relevance" if self.q.strip() else "newest"

    @property
    def has_filters(self) -> bool:
        return bool(self.provinces or self.years or self.fields or self.year_from or self.year_to)

    def with_page(self, page: int) -> SearchParams:
        return replace(self, page=page)

    def to_query_dict(self) -> QueryDict:
        """The parameters as a query string would give them, known keys only.

        Links on a results page are built from this, not from the request:
        whatever else the request carried (or a query longer than is
        searched) is not repeated in every link.
        """
        query = QueryDict(mutable=True)
        if self.q.strip():
            query["q"] = self.q
        for key, values in (
            ("province", self.provinces),
            ("year", [str(y) for y in self.years]),
            ("field", self.fields),
        ):
            if values:
                query.setlist(key, values)
        if self.year_from:
            query["tu_nam"] = str(self.year_from)
        if self.year_to:
            query["den_nam"] = str(self.year_to)
        if self.sort:
            query["sort"] = self.sort
        if self.page > 1:
            query["page"] = str(self.page)
        return query


def _raw(data, key: str) -> list[str]:
    if hasattr(data, "getlist"):
        return data.getlist(key)
    value = data.get(key, [])
    return value if isinstance(value, list) else [value]


def known_province_slugs() -> set[str]:
    return {p.slug for p in province_list()}


def known_field_codes() -> set[str]:
    return {f.code for f in field_list()}


# Read on every results page, to check the filters and label the facets.
_reference_lists = ProcessCache(
    lambda: (tuple(Province.objects.all()), tuple(IctField.objects.all()))
)


def forget_reference_lists(**kwargs) -> None:
    _reference_lists.forget()


def province_list() -> tuple[Province, ...]:
    return _reference_lists.get()[0]


def field_list() -> tuple[IctField, ...]:
    return _reference_lists.get()[1]


@dataclass
class FacetValue:
    value: str
    label: str
    count: int
    selected: bool
    extra: str = ""


@dataclass
class Hit:
    article: Article
    score: float
    snippet: SafeString
    title_html: SafeString


@dataclass
class SearchOutcome:
    params: SearchParams
    parsed: ParsedQuery
    total: int
    hits: list[Hit]
    facets: dict[str, list[FacetValue]]
    suggestion: str = ""
    suggested_province: Province | None = None
    # How many articles hold every word; fewer than ``total`` when the search
    # went on to the best partial matches (``planner.relaxed``).
    exact_total: int | None = None

    @property
    def relaxed(self) -> bool:
        return self.exact_total is not None and self.exact_total < self.total

    @property
    def page_count(self) -> int:
        return max(1, math.ceil(self.total / self.params.page_size))

    @property
    def has_next(self) -> bool:
        return self.params.page < self.page_count

    @property
    def has_previous(self) -> bool:
        return self.params.page > 1

    @cached_property
    def page_range(self) -> list[int | None]:
        """Pages to link, with None where a gap is shown."""
        current, last = self.params.page, self.page_count
        pages = sorted({1, 2, last - 1, last, *range(current - 2, current + 3)})
        shown: list[int | None] = []
        for page in pages:
            if 1 <= page <= last:
                if shown and shown[-1] is not None and page - shown[-1] > 1:
                    shown.append(None)
                shown.append(page)
        return shown

    @property
    def first_index(self) -> int:
        return (self.params.page - 1) * self.params.page_size + 1 if self.hits else 0

    @property
    def last_index(self) -> int:
        return self.first_index + len(self.hits) - 1 if self.hits else 0


def search(params: SearchParams, *, with_snippets: bool = True) -> SearchOutcome:
    parsed = parse(params.q, abbreviation_table())
    if not parsed.required and parsed.text and not parsed.excluded:
        # Only punctuation or operators: nothing to search for.
        return _outcome(params, parsed, 0, [], {})
    raw, exact_total = _retrieve(parsed, params)
    ids = [pk for pk, _ in raw.hits]
    articles = Article.objects.for_results().in_bulk(ids)
    attach_ict_fields(articles.values(), field_list())
    terms, sequences = parsed.terms, parsed.sequences
    hits = []
    for pk, score in raw.hits:
        article = articles.get(pk)
        if article is None:  # deleted since the index was read
            continue
        hits.append(
            Hit(
                article=article,
                score=score,
                snippet=(
                    snippet(article.body, terms, sequences=sequences)
                    if with_snippets
                    else SafeString("")
                ),
                title_html=highlight_title(article.title, terms, sequences),
            )
        )
    outcome = _outcome(params, parsed, raw.total, hits, raw.facets)
    outcome.exact_total = exact_total
    outcome.suggested_province = _province_in_query(params, parsed)
    if parsed.typed_without_diacritics and raw.total < 10:
        outcome.suggestion = diacritic_suggestion(parsed)
    return outcome


# Below this many articles holding every word, the best partial matches follow.
FEW_RESULTS = 10


def _retrieve(parsed: ParsedQuery, params: SearchParams) -> tuple[EngineResult, int]:
    """The page of results and how many articles hold every word.

    Every group of the query is required first; when that finds fewer than
    ``FEW_RESULTS``, the nearest partial matches follow those
    that hold them all (``planner.relaxed``).
    """
    engine = get_engine()
    offset = (params.page - 1) * params.page_size
    plan = plan_for(parsed, params, engine)
    strict = engine.search(plan)
    if strict.total >= FEW_RESULTS or not plan.ranked:
        return strict, strict.total
    loose = relaxed_plan(plan, engine)
    if loose is plan:
        return strict, strict.total
    everything = engine.search(replace(loose, offset=0, limit=offset + params.page_size + 1))
    if everything.total <= strict.total:
        return strict, strict.total
    # On the first page the strict search usually holds every exact match already.
    whole = offset == 0 and len(strict.hits) == strict.total
    exact = strict.hits if whole else _exact_hits(engine, plan, strict.total)
    seen = {pk for pk, _ in exact}
    ranked = exact + [hit for hit in everything.hits if hit[0] not in seen]
    page = ranked[offset : offset + params.page_size]
    return EngineResult(everything.total, page, everything.facets), strict.total


def plan_for(parsed: ParsedQuery, params: SearchParams, engine: SearchEngine) -> QueryPlan:
    """The strict plan of a reader's query: every word required."""
    return plan_query(
        parsed,
        restore=_restorer(engine),
        filters={
            "province": tuple(params.provinces),
            "year": tuple(str(y) for y in params.years),
            "fields": tuple(params.fields),
        },
        year_range=(params.year_from, params.year_to),
        sort=params.effective_sort,
        offset=(params.page - 1) * params.page_size,
        limit=params.page_size,
    )


def relaxed_plan(plan: QueryPlan, engine: SearchEngine) -> QueryPlan:
    """The plan of the nearest partial matches (``plan`` itself when there are none)."""
    return relaxed(plan, _frequency(engine), max(engine.doc_count(), 1))


def _exact_hits(engine, plan, count: int) -> list[tuple[int, float]]:
    return engine.search(replace(plan, offset=0, limit=count, facets=())).hits


def _frequency(engine) -> Callable[[Clause], int]:
    """How many documents hold a clause's terms (a phrase: its rarest term, at most)."""

    def frequency(clause: Clause) -> int:
        counts = engine.document_frequencies(clause.field, clause.terms)
        return min(counts.values()) if counts else 0

    return frequency


def _outcome(params, parsed, total, hits, raw_facets) -> SearchOutcome:
    provinces = {p.slug: p for p in province_list()}
    fields = {f.code: f for f in field_list()}
    facets: dict[str, list[FacetValue]] = {}
    counts = raw_facets.get("province", {})
    facets["province"] = sorted(
        (
            FacetValue(
                slug,
                provinces[slug].name if slug in provinces else slug,
                counts.get(slug, 0),
                slug in params.provinces,
                provinces[slug].unit_2025 if slug in provinces else "",
            )
            for slug in set(counts) | set(params.provinces)
        ),
        key=lambda v: (-v.count, fold(v.label)),
    )
    counts = raw_facets.get("year", {})
    selected_years = {str(y) for y in params.years}
    facets["year"] = sorted(
        (
            FacetValue(year, year, counts.get(year, 0), year in selected_years)
            for year in set(counts) | selected_years
        ),
        key=lambda v: v.value,
        reverse=True,
    )
    counts = raw_facets.get("fields", {})
    facets["field"] = [
        FacetValue(code, f.name, counts.get(code, 0), code in params.fields)
        for code, f in fields.items()
    ]
    return SearchOutcome(params, parsed, total, hits, facets)


def _province_in_query(params: SearchParams, parsed: ParsedQuery) -> Province | None:
    from articles.provinces import find_provinces

    if not parsed.required:
        return None
    found = find_provinces(parsed.text)
    for name in found:
        province = next((p for p in province_list() if p.name == name), None)
        if province and province.slug not in params.provinces:
            return province
    return None


def _restorer(engine) -> Callable[[list[str]], list[str]]:
    def restore(syllables: list[str]) -> list[str]:
        return diacritics.restore(syllables, engine.spelling_variants, engine.document_frequencies)

    return restore


def diacritic_suggestion(parsed: ParsedQuery) -> str:
    """The query with diacritics, as the archive would spell it (the same
    spelling the ranking used); empty when that changes nothing."""
    words = [w for w in parsed.text.split() if w not in {"OR", "|", "||"}]
    plain = [w for w in words if not w.startswith("-") and '"' not in w]
    if plain != words or not plain:
        return ""
    syllables = [s for w in plain for s in analyze(w, use_segmenter=False).syllables]
    if len(syllables) != len(plain):
        return ""
    spelled = _restorer(get_engine())([fold(s) for s in syllables])
    if spelled == [s.lower() for s in syllables]:
        return ""
    return " ".join(spelled)
