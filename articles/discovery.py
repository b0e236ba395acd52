"""Ways into the archive besides the search box: the coverage grid (what the
archive holds per province and year) and the OpenSearch description that
lets a browser add the portal as a search engine."""

from __future__ import annotations

import math
from collections import defaultdict
from dataclasses import dataclass, field
from urllib.parse import urlencode

from django.db.models import Count
from django.http import HttpRequest, HttpResponse
from django.shortcuts import render
from django.urls import reverse
from django.utils.http import urlencode as django_urlencode
from django.views.decorators.http import require_GET

from articles.models import Article, DatePrecision, Province, Region
from articles.search.service import MAX_YEAR, MIN_YEAR

SHADES = 5  # heat levels 1..SHADES for non-empty cells; 0 is empty


@dataclass
class Cell:
    year: int
    count: int
    shade: int
    url: str = ""


@dataclass
class Row:
    province: Province
    cells: list[Cell]
    total: int


@dataclass
class RegionGroup:
    code: str
    label: str
    rows: list[Row] = field(default_factory=list)

    @property
    def total(self) -> int:
        return sum(row.total for row in self.rows)


@dataclass
class CoverageGrid:
    years: list[int]
    regions: list[RegionGroup]
    year_totals: list[int]
    total: int
    undated_or_unplaced: int  # published articles missing a province or a year
    max_count: int


def shade(count: int, max_count: int) -> int:
    """Heat level of a cell: logarithmic, since a few provinces publish far
    more than the rest and a linear scale would leave most cells pale."""
    if count <= 0 or max_count <= 0:
        return 0
    if max_count == 1:
        return SHADES
    level = math.ceil(SHADES * math.log1p(count) / math.log1p(max_count))
    return min(max(level, 1), SHADES)


def search_link(province_slug: str, year: int) -> str:
    query = django_urlencode({"province": province_slug, "year": year})
    return f"{reverse('articles:search')}?{query}"


def coverage_grid() -> CoverageGrid:
    """Published article counts per province and year, from one aggregate query."""
    rows = (
        Article.objects.published()
        .values_list("province_id", "date__year", "date_precision")
        .annotate(n=Count("id"))
        .order_by()
    )
    counts: dict[int, dict[int, int]] = defaultdict(dict)
    missing = 0
    for province_id, year, precision, n in rows:
        # Years the search page cannot filter on (typos like 210) count as unknown.
        if (
            province_id is None
            or year is None
            or precision == DatePrecision.UNKNOWN
            or not MIN_YEAR <= year <= MAX_YEAR
        ):
            missing += n
        else:
            counts[province_id][year] = counts[province_id].get(year, 0) + n

    present = {year for per_year in counts.values() for year in per_year}
    years = list(range(min(present), max(present) + 1)) if present else []
    max_count = max((n for per_year in counts.values() for n in per_year.values()), default=0)

    groups = {code: RegionGroup(code, label) for code, label in Region.choices}
    year_totals = [0] * len(years)
    for province in Province.objects.all():
        per_year = counts.get(province.pk, {})
        cells = []
        for i, year in enumerate(years):
            n = per_year.get(year, 0)
            year_totals[i] += n
            url = search_link(province.slug, year) if n else ""
            cells.append(Cell(year, n, shade(n, max_count), url))
        row = Row(province, cells, sum(per_year.values()))
        groups.setdefault(province.region, RegionGroup(province.region, province.region))
        groups[province.region].rows.append(row)
    return CoverageGrid(
        years=years,
        regions=[group for group in groups.values() if group.rows],
        year_totals=year_totals,
        total=sum(year_totals),
        undated_or_unplaced=missing,
        max_count=max_count,
    )


@require_GET
def coverage(request: HttpRequest) -> HttpResponse:
    return render(
        request,
        "articles/coverage.html",
        {"grid": coverage_grid(), "shades": range(1, SHADES + 1)},
    )


@require_GET
def opensearch(request: HttpRequest) -> HttpResponse:
    def template(route: str) -> str:
        # Braces stay literal: {searchTerms} is the browser's placeholder.
        query = urlencode({"q": "{searchTerms}"}, safe="{}")
        return f"{request.build_absolute_uri(reverse(route))}?{query}"

    context = {
        "html_template": template("articles:search"),
        "suggest_template": template("articles:api-suggest"),
        "json_template": template("articles:api-search"),
        "search_form": request.build_absolute_uri(reverse("articles:search")),
        "self_url": request.build_absolute_uri(reverse("articles:opensearch")),
    }
    return render(
        request,
        "opensearch.xml",
        context,
        content_type="application/opensearchdescription+xml; charset=utf-8",
    )
