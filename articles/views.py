"""Reader-facing pages: the home page, search, listings and the article.

Thin: the search service finds, ``articles.pages`` decides what a page
shows, the templates lay it out.
"""

from __future__ import annotations

from django.http import Http404, HttpRequest, HttpResponse
from django.shortcuts import get_object_or_404, redirect, render
from django.views.decorators.http import require_safe

from articles import pages
from articles.models import Article
from articles.search.service import search as run_search


@require_safe
def home(request: HttpRequest) -> HttpResponse:
    return render(request, "articles/home.html", {"overview": pages.home_overview()})


@require_safe
def search(request: HttpRequest) -> HttpResponse:
    return _results(request, None)


@require_safe
def latest(request: HttpRequest) -> HttpResponse:
    return _results(request, pages.latest_listing())


@require_safe
def province(request: HttpRequest, slug: str) -> HttpResponse:
    return _results(request, pages.province_listing(slug))


@require_safe
def field(request: HttpRequest, slug: str) -> HttpResponse:
    return _results(request, pages.field_listing(slug))


@require_safe
def year(request: HttpRequest, year: int) -> HttpResponse:
    return _results(request, pages.year_listing(year))


def _results(request: HttpRequest, listing: pages.Listing | None) -> HttpResponse:
    params = pages.results_params(request.GET, listing)
    outcome = run_search(params)
    state = params.to_query_dict()
    province_shown, province_more = pages.split_facet(outcome.facets["province"], 12)
    context = {
        "listing": listing,
        "outcome": outcome,
        "params": params,
        "state": state,
        "links": pages.link_state(params, listing),
        "chips": pages.selected_filters(outcome, listing),
        "sorts": pages.sort_options(params),
        "province_shown": province_shown,
        "province_more": province_more,
        "page_title": listing.title if listing else pages.search_title(params),
        "beyond_last_page": outcome.total and not outcome.hits,
        "canonical": (
            request.build_absolute_uri(pages.listing_canonical(listing, params.page))
            if listing
            else ""
        ),
    }
    return render(request, "articles/results.html", context)


@require_safe
def detail(request: HttpRequest, slug: str) -> HttpResponse:
    article = get_object_or_404(Article.objects.with_relations(), slug=slug)
    if article.duplicate_of_id is not None:
        kept = pages.kept_article(article)
        if kept.is_published:
            return redirect(kept, permanent=True)
        raise Http404("Bài viết không còn.")
    if not article.is_published:
        raise Http404("Bài viết không còn.")
    context = {"article": article, "related": pages.related_articles(article)}
    return render(request, "articles/detail.html", context)
