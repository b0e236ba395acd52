"""sitemap.xml: every published article and the listing pages that lead to them.

The sites framework is not installed, so Django's sitemap view takes the
host and scheme from the request.
"""

from __future__ import annotations

import datetime as dt
from dataclasses import dataclass

from django.contrib.sitemaps import Sitemap
from django.db.models import Max, QuerySet
from django.urls import reverse

from articles.models import Article, DatePrecision, IctField, Province

_SLUG_MARK = "slug-placeholder"
# Years the /nam/<year>/ route accepts.
YEAR_MIN, YEAR_MAX = 1900, 2099


# No changefreq or priority: the major search engines ignore both, and the
# file is smaller and faster to render without them.


class ArticleSitemap(Sitemap):
    # The protocol allows 50,000 addresses per file and the listing section
    # shares the file with this one.
    limit = 45000

    def items(self) -> QuerySet:
        # (slug, updated_at) rows: model instances cost more than the rest of
        # the work. Ordered by id so that ?p=2 continues where ?p=1 stopped.
        return Article.objects.published().order_by("id").values_list("slug", "updated_at")

    def location(self, item: tuple[str, dt.datetime]) -> str:
        # Article.get_absolute_url, with the URL resolver run once per
        # request instead of once per article.
        if not hasattr(self, "_detail_url"):
            self._detail_url = reverse("articles:detail", kwargs={"slug": _SLUG_MARK})
        return self._detail_url.replace(_SLUG_MARK, item[0])

    def lastmod(self, item: tuple[str, dt.datetime]) -> dt.datetime:
        return item[1]

    def get_latest_lastmod(self) -> dt.datetime | None:
        # The default walks every item; one aggregate does the same.
        return Article.objects.published().aggregate(last=Max("updated_at"))["last"]


@dataclass(frozen=True)
class Listing:
    location: str
    lastmod: dt.datetime | None


def listings() -> list[Listing]:
    """Home, latest, provinces with articles, fields, years: each with the
    newest edit among the published articles it lists."""
    published = Article.objects.published()
    newest = published.aggregate(last=Max("updated_at"))["last"]
    found = [
        Listing(reverse("articles:home"), newest),
        Listing(reverse("articles:latest"), newest),
    ]

    by_province = dict(
        published.filter(province__isnull=False)
        .values_list("province_id")
        .annotate(last=Max("updated_at"))
    )
    for province in Province.objects.filter(pk__in=by_province):
        found.append(Listing(province.get_absolute_url(), by_province[province.pk]))

    by_field = dict(
        published.filter(fields__isnull=False)
        .values_list("fields")
        .annotate(last=Max("updated_at"))
    )
    for field in IctField.objects.all():
        found.append(Listing(field.get_absolute_url(), by_field.get(field.pk)))

    by_year = (
        published.filter(date__isnull=False, date__year__range=(YEAR_MIN, YEAR_MAX))
        .exclude(date_precision=DatePrecision.UNKNOWN)
        .values_list("date__year")
        .annotate(last=Max("updated_at"))
        .order_by("-date__year")
    )
    for year, last in by_year:
        found.append(Listing(reverse("articles:year", kwargs={"year": year}), last))
    return found


class ListingSitemap(Sitemap):
    def items(self) -> list[Listing]:
        # One instance serves one request; the paginator asks more than once.
        if not hasattr(self, "_listings"):
            self._listings = listings()
        return self._listings

    def location(self, item: Listing) -> str:
        return item.location

    def lastmod(self, item: Listing) -> dt.datetime | None:
        return item.lastmod

    def get_latest_lastmod(self) -> dt.datetime | None:
        return Article.objects.published().aggregate(last=Max("updated_at"))["last"]

    def get_urls(self, page=1, site=None, protocol=None) -> list[dict]:
        # The listings fit on page 1; later pages (?p=2) carry articles only,
        # instead of the 404 an empty section would otherwise cause.
        try:
            beyond = int(page) > self.paginator.num_pages
        except (TypeError, ValueError):
            beyond = False
        return [] if beyond else super().get_urls(page=page, site=site, protocol=protocol)


# Section names double as sitemap-<section>.xml names should the site move
# to a sitemap index (needed past 45,000 articles: see ArticleSitemap.limit).
SITEMAPS: dict[str, type[Sitemap]] = {
    "danh-muc": ListingSitemap,
    "bai-viet": ArticleSitemap,
}
