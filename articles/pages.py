"""What the reader pages and feeds show, independent of HTTP and templates.

A listing (one province, one field, one year, the latest articles) is the
search with one filter fixed by the URL; the search page is the same with
nothing fixed. Pages and feeds build their parameters here so that a listing,
its feeds and the search page always agree.
"""

from __future__ import annotations

import datetime as dt
from dataclasses import dataclass, replace

from django.http import Http404, QueryDict
from django.urls import reverse

from articles.models import Article, IctField, Province, Region
from articles.search.service import (
    MAX_YEAR,
    MIN_YEAR,
    SORTS,
    FacetValue,
    SearchOutcome,
    SearchParams,
    search,
)

PORTAL_NAME = "Tin ICT các tỉnh"
FEED_SIZE = 50
RELATED_SIZE = 5
HOME_LATEST = 12


@dataclass(frozen=True)
class Listing:
    """A results page whose URL fixes one filter (``key=value``)."""

    key: str  # query-string key it fixes ("" for the latest articles)
    value: str
    title: str
    description: str
    url: str
    feed_rss: str
    feed_atom: str
    unit_2025: str = ""  # for a province: the unit it belongs to since 2025


def province_listing(slug: str) -> Listing:
    province = Province.objects.filter(slug=slug).first()
    if province is None:
        raise Http404("Không có tỉnh/thành phố này.")
    kwargs = {"slug": province.slug}
    return Listing(
        key="province",
        value=province.slug,
        title=f"Tin ICT {province.name}",
        description=f"Tin bưu chính, viễn thông, CNTT, báo chí của {province.name}.",
        url=reverse("articles:province", kwargs=kwargs),
        feed_rss=reverse("articles:feed-province-rss", kwargs=kwargs),
        feed_atom=reverse("articles:feed-province-atom", kwargs=kwargs),
        unit_2025=province.unit_2025 if province.unit_2025_changed else "",
    )


def field_listing(code: str) -> Listing:
    ict_field = IctField.objects.filter(code=code).first()
    if ict_field is None:
        raise Http404("Không có lĩnh vực này.")
    kwargs = {"slug": ict_field.code}
    return Listing(
        key="field",
        value=ict_field.code,
        title=f"Lĩnh vực {ict_field.name}",
        description=ict_field.description or f"Tin về {ict_field.name.lower()} của các tỉnh.",
        url=reverse("articles:field", kwargs=kwargs),
        feed_rss=reverse("articles:feed-field-rss", kwargs=kwargs),
        feed_atom=reverse("articles:feed-field-atom", kwargs=kwargs),
    )


def year_listing(year: int) -> Listing:
    if not MIN_YEAR <= year <= MAX_YEAR:
        raise Http404("Năm ngoài phạm vi của kho bài viết.")
    kwargs = {"year": year}
    return Listing(
        key="year",
        value=str(year),
        title=f"Tin ICT năm {year}",
        description=f"Tin bưu chính, viễn thông, CNTT, báo chí của các tỉnh trong năm {year}.",
        url=reverse("articles:year", kwargs=kwargs),
        feed_rss=reverse("articles:feed-year-rss", kwargs=kwargs),
        feed_atom=reverse("articles:feed-year-atom", kwargs=kwargs),
    )


def latest_listing() -> Listing:
    return Listing(
        key="",
        value="",
        title="Tin mới nhất",
        description="Tin mới nhất của các Sở Thông tin và Truyền thông.",
        url=reverse("articles:latest"),
        feed_rss=reverse("articles:feed-latest-rss"),
        feed_atom=reverse("articles:feed-latest-atom"),
    )


def listing_canonical(listing: Listing, page: int) -> str:
    """The listing's own address: its path, plus the page past the first."""
    if page <= 1:
        return listing.url
    query = QueryDict(mutable=True)
    query["page"] = str(page)
    return f"{listing.url}?{query.urlencode()}"


def page_state(query: QueryDict, listing: Listing | None) -> QueryDict:
    """The request's parameters plus the listing's fixed filter."""
    state = query.copy()
    if listing is not None and listing.key:
        others = [v for v in state.getlist(listing.key) if v != listing.value]
        state.setlist(listing.key, [listing.value, *others])
    return state


def link_state(params: SearchParams, listing: Listing | None) -> QueryDict:
    """What the page's own links carry: its parameters, without what its path fixes."""
    state = params.to_query_dict()
    if listing is not None and listing.key:
        others = [v for v in state.getlist(listing.key) if v != listing.value]
        if others:
            state.setlist(listing.key, others)
        else:
            state.pop(listing.key, None)
    return state


def results_params(query: QueryDict, listing: Listing | None) -> SearchParams:
    # Without words to rank by, the service lists newest first.
    return SearchParams.from_query_dict(page_state(query, listing))


def feed_params(query: QueryDict, listing: Listing | None) -> SearchParams:
    """A feed is read for what is new, so it is always newest first."""
    params = SearchParams.from_query_dict(page_state(query, listing))
    return replace(params, sort="newest", page=1, page_size=FEED_SIZE)


@dataclass(frozen=True)
class Chip:
    """One selected filter, shown with a link that removes it."""

    key: str
    value: str
    label: str
    fixed: bool  # set by the listing's URL: removing it leaves the listing


def selected_filters(outcome: SearchOutcome, listing: Listing | None) -> list[Chip]:
    params = outcome.params

    def is_fixed(key: str, value: str) -> bool:
        return listing is not None and (listing.key, listing.value) == (key, value)

    labels = {name: {v.value: v.label for v in values} for name, values in outcome.facets.items()}
    chips = [
        Chip("province", slug, labels["province"].get(slug, slug), is_fixed("province", slug))
        for slug in params.provinces
    ]
    chips += [
        Chip("field", code, labels["field"].get(code, code), is_fixed("field", code))
        for code in params.fields
    ]
    chips += [
        Chip("year", str(year), f"Năm {year}", is_fixed("year", str(year))) for year in params.years
    ]
    if params.year_from:
        chips.append(Chip("tu_nam", str(params.year_from), f"Từ năm {params.year_from}", False))
    if params.year_to:
        chips.append(Chip("den_nam", str(params.year_to), f"Đến năm {params.year_to}", False))
    return chips


@dataclass(frozen=True)
class SortOption:
    key: str
    label: str
    active: bool


def sort_options(params: SearchParams) -> list[SortOption]:
    current = params.effective_sort
    return [
        SortOption(key, label, key == current)
        for key, label in SORTS.items()
        # Relevance means nothing without words to be relevant to.
        if key != "relevance" or params.q.strip()
    ]


def split_facet(values: list[FacetValue], shown: int) -> tuple[list[FacetValue], list[FacetValue]]:
    """The values shown at once and the rest, folded away; selected ones first."""
    if len(values) <= shown + 2:
        return values, []
    first = [v for v in values if v.selected]
    first += [v for v in values if not v.selected][: max(0, shown - len(first))]
    rest = [v for v in values if v not in first]
    return first, rest


# Home page ------------------------------------------------------------------


@dataclass(frozen=True)
class ProvinceCount:
    province: Province
    count: int


@dataclass(frozen=True)
class RegionGroup:
    label: str
    provinces: list[ProvinceCount]


@dataclass(frozen=True)
class YearBar:
    year: str
    count: int
    percent: int


@dataclass(frozen=True)
class HomeOverview:
    latest: list[Article]
    total: int
    regions: list[RegionGroup]
    years: list[YearBar]
    fields: list[tuple[IctField, int]]


def home_overview() -> HomeOverview:
    """Latest articles and the archive at a glance, counted by the index.

    Counts come from the same search the listing pages run, so the number
    next to a province is the number of articles its page lists.
    """
    outcome = search(SearchParams(page_size=1), with_snippets=False)
    counts = {name: {v.value: v.count for v in values} for name, values in outcome.facets.items()}

    by_region: dict[str, list[ProvinceCount]] = {key: [] for key in Region.values}
    for province in Province.objects.all():
        count = counts["province"].get(province.slug, 0)
        by_region.setdefault(province.region, []).append(ProvinceCount(province, count))
    regions = [
        RegionGroup(Region(key).label if key in Region.values else key, items)
        for key, items in by_region.items()
        if items
    ]

    year_counts = sorted(counts["year"].items())
    peak = max((n for _, n in year_counts), default=0)
    years = [
        YearBar(year, n, max(1, round(100 * n / peak)) if peak else 0) for year, n in year_counts
    ]
    fields = [(f, counts["field"].get(f.code, 0)) for f in IctField.objects.all()]
    latest = list(Article.objects.published().with_relations().newest_first()[:HOME_LATEST])
    return HomeOverview(latest, outcome.total, regions, years, fields)


# Article page ---------------------------------------------------------------


def kept_article(article: Article, max_hops: int = 5) -> Article:
    """The article a duplicate was merged into (following chains of merges)."""
    seen = {article.pk}
    current = article
    for _ in range(max_hops):
        if current.duplicate_of_id is None or current.duplicate_of_id in seen:
            break
        seen.add(current.duplicate_of_id)
        current = Article.objects.get(pk=current.duplicate_of_id)
    return current


def related_articles(article: Article, limit: int = RELATED_SIZE) -> list[Article]:
    """Published articles of the same province or fields, nearest in date.

    A handful of small indexed queries: the nearest few before and after the
    article's date in its province and in its fields, ranked by what they
    share, then by distance in time.
    """
    candidates = Article.objects.published().exclude(pk=article.pk)
    field_ids = {f.pk for f in article.fields.all()}
    pools = []
    if article.province_id:
        pools.append(candidates.filter(province_id=article.province_id))
    if field_ids:
        pools.append(candidates.filter(fields__in=field_ids))

    found: dict[int, dt.date | None] = {}
    for pool in pools:
        rows = pool.values_list("pk", "date")
        if article.date is None:
            found.update(rows.newest_first()[:limit])
            continue
        found.update(rows.filter(date__lte=article.date).order_by("-date", "-pk")[:limit])
        found.update(rows.filter(date__gt=article.date).order_by("date", "pk")[:limit])
    if not found:
        return []

    chosen = Article.objects.with_relations().filter(pk__in=found)

    def rank(other: Article) -> tuple[int, int, int]:
        shared = len(field_ids & {f.pk for f in other.fields.all()})
        same_place = 2 if article.province_id and other.province_id == article.province_id else 0
        both_dated = article.date and other.date
        distance = abs((other.date - article.date).days) if both_dated else 10**6
        return (-(same_place + shared), distance, -other.pk)

    return sorted(chosen, key=rank)[:limit]


def search_title(params: SearchParams) -> str:
    q = " ".join(params.q.split())
    return f"Tìm kiếm “{q[:80]}”" if q else "Tìm kiếm"


def search_feed_title(params: SearchParams) -> str:
    """The search's words and filters, so that saved feeds can be told apart."""
    parts = [search_title(params) if params.q.strip() else "Tìm kiếm"]
    names = dict(Province.objects.filter(slug__in=params.provinces).values_list("slug", "name"))
    parts += [names[slug] for slug in params.provinces if slug in names]
    labels = dict(IctField.objects.filter(code__in=params.fields).values_list("code", "name"))
    parts += [labels[code] for code in params.fields if code in labels]
    parts += [f"năm {year}" for year in params.years]
    if params.year_from or params.year_to:
        parts.append(f"{params.year_from or '…'}–{params.year_to or '…'}")
    return " · ".join(parts)
