"""RSS 2.0 and Atom feeds of every listing and of any search.

A feed lists what its page lists (``articles.pages`` builds both from the
same parameters), newest first, so a reader can subscribe to a province, a
field, a year or a saved search and see what is new.
"""

from __future__ import annotations

import datetime as dt
from dataclasses import dataclass

from django.contrib.syndication.views import Feed
from django.http import HttpRequest
from django.urls import reverse
from django.utils import timezone
from django.utils.feedgenerator import Atom1Feed, Rss201rev2Feed
from django.utils.html import escape

from articles import pages
from articles.models import Article
from articles.search.service import SearchParams, search
from articles.text import xml_safe


@dataclass(frozen=True)
class FeedSource:
    title: str
    description: str
    link: str  # the page the feed mirrors
    feed_url: str
    params: SearchParams


class _ArticleFeed(Feed):
    """Every text that reaches the XML passes ``xml_safe``: the importer and
    the model already remove what XML forbids, this is the second line."""

    feed_type = Rss201rev2Feed
    language = "vi"

    def get_object(self, request: HttpRequest, **kwargs) -> FeedSource:
        raise NotImplementedError

    def title(self, obj: FeedSource) -> str:
        return xml_safe(f"{obj.title} – {pages.PORTAL_NAME}")

    def description(self, obj: FeedSource) -> str:
        return xml_safe(obj.description)

    def subtitle(self, obj: FeedSource) -> str:
        return xml_safe(obj.description)

    def link(self, obj: FeedSource) -> str:
        return obj.link

    def feed_url(self, obj: FeedSource) -> str:
        return obj.feed_url

    def items(self, obj: FeedSource) -> list[Article]:
        outcome = search(obj.params, with_snippets=False)
        return [hit.article for hit in outcome.hits]

    def item_title(self, item: Article) -> str:
        return xml_safe(item.title)

    def item_description(self, item: Article) -> str:
        # RSS descriptions and Atom summaries (type="html") are read as HTML.
        return xml_safe(escape(item.summary))

    def item_link(self, item: Article) -> str:
        return item.get_absolute_url()

    def item_pubdate(self, item: Article) -> dt.datetime | None:
        if item.year is None:
            return None
        return timezone.make_aware(dt.datetime.combine(item.date, dt.time.min))

    def item_updateddate(self, item: Article) -> dt.datetime:
        return item.updated_at

    def item_author_name(self, item: Article) -> str | None:
        return xml_safe(item.byline) or None

    def item_categories(self, item: Article) -> list[str]:
        names = [item.province.name] if item.province_id else []
        return [xml_safe(name) for name in names + [f.name for f in item.ict_fields]]


def _listing_source(request: HttpRequest, listing: pages.Listing, feed_url: str) -> FeedSource:
    return FeedSource(
        title=listing.title,
        description=listing.description,
        link=listing.url,
        feed_url=feed_url,
        params=pages.feed_params(request.GET, listing),
    )


class LatestRss(_ArticleFeed):
    def get_object(self, request: HttpRequest, **kwargs) -> FeedSource:
        listing = pages.latest_listing()
        return _listing_source(request, listing, listing.feed_rss)


class LatestAtom(LatestRss):
    feed_type = Atom1Feed

    def get_object(self, request: HttpRequest, **kwargs) -> FeedSource:
        listing = pages.latest_listing()
        return _listing_source(request, listing, listing.feed_atom)


class ProvinceRss(_ArticleFeed):
    def get_object(self, request: HttpRequest, slug: str = "", **kwargs) -> FeedSource:
        listing = pages.province_listing(slug)
        return _listing_source(request, listing, listing.feed_rss)


class ProvinceAtom(_ArticleFeed):
    feed_type = Atom1Feed

    def get_object(self, request: HttpRequest, slug: str = "", **kwargs) -> FeedSource:
        listing = pages.province_listing(slug)
        return _listing_source(request, listing, listing.feed_atom)


class FieldRss(_ArticleFeed):
    def get_object(self, request: HttpRequest, slug: str = "", **kwargs) -> FeedSource:
        listing = pages.field_listing(slug)
        return _listing_source(request, listing, listing.feed_rss)


class FieldAtom(_ArticleFeed):
    feed_type = Atom1Feed

    def get_object(self, request: HttpRequest, slug: str = "", **kwargs) -> FeedSource:
        listing = pages.field_listing(slug)
        return _listing_source(request, listing, listing.feed_atom)


class YearRss(_ArticleFeed):
    def get_object(self, request: HttpRequest, year: int = 0, **kwargs) -> FeedSource:
        listing = pages.year_listing(year)
        return _listing_source(request, listing, listing.feed_rss)


class YearAtom(_ArticleFeed):
    feed_type = Atom1Feed

    def get_object(self, request: HttpRequest, year: int = 0, **kwargs) -> FeedSource:
        listing = pages.year_listing(year)
        return _listing_source(request, listing, listing.feed_atom)


def _search_source(request: HttpRequest, feed_route: str) -> FeedSource:
    params = pages.feed_params(request.GET, None)
    query = params.to_query_dict()
    # The feed follows the search, not the page or sort the reader was on.
    for key in ("page", "sort"):
        query.pop(key, None)
    suffix = f"?{query.urlencode()}" if query else ""
    title = pages.search_feed_title(params)
    return FeedSource(
        title=title,
        description=f"Các bài mới nhất khớp với tìm kiếm: {title}",
        link=reverse("articles:search") + suffix,
        feed_url=reverse(feed_route) + suffix,
        params=params,
    )


class SearchRss(_ArticleFeed):
    def get_object(self, request: HttpRequest, **kwargs) -> FeedSource:
        return _search_source(request, "articles:feed-search-rss")


class SearchAtom(_ArticleFeed):
    feed_type = Atom1Feed

    def get_object(self, request: HttpRequest, **kwargs) -> FeedSource:
        return _search_source(request, "articles:feed-search-atom")
