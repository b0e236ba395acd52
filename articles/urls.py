"""Public URLs: readable, unaccented Vietnamese slugs."""

from django.contrib.sitemaps.views import index as sitemap_index
from django.contrib.sitemaps.views import sitemap
from django.urls import path, register_converter

from articles import api, discovery, exports, feeds, views
from articles.sitemaps import SITEMAPS


class YearConverter:
    regex = r"(19|20)\d\d"

    def to_python(self, value: str) -> int:
        return int(value)

    def to_url(self, value: int) -> str:
        return str(value)


register_converter(YearConverter, "year")

app_name = "articles"

urlpatterns = [
    path("", views.home, name="home"),
    path("tim-kiem/", views.search, name="search"),
    path("moi-nhat/", views.latest, name="latest"),
    path("tinh/<slug:slug>/", views.province, name="province"),
    path("linh-vuc/<slug:slug>/", views.field, name="field"),
    path("nam/<year:year>/", views.year, name="year"),
    path("bai-viet/<slug:slug>/", views.detail, name="detail"),
    path("do-phu/", discovery.coverage, name="coverage"),
    # Feeds: RSS 2.0 and Atom for every listing and any search.
    path("rss/", feeds.LatestRss(), name="feed-latest-rss"),
    path("atom/", feeds.LatestAtom(), name="feed-latest-atom"),
    path("tinh/<slug:slug>/rss/", feeds.ProvinceRss(), name="feed-province-rss"),
    path("tinh/<slug:slug>/atom/", feeds.ProvinceAtom(), name="feed-province-atom"),
    path("linh-vuc/<slug:slug>/rss/", feeds.FieldRss(), name="feed-field-rss"),
    path("linh-vuc/<slug:slug>/atom/", feeds.FieldAtom(), name="feed-field-atom"),
    path("nam/<year:year>/rss/", feeds.YearRss(), name="feed-year-rss"),
    path("nam/<year:year>/atom/", feeds.YearAtom(), name="feed-year-atom"),
    path("tim-kiem/rss/", feeds.SearchRss(), name="feed-search-rss"),
    path("tim-kiem/atom/", feeds.SearchAtom(), name="feed-search-atom"),
    # Machine-readable.
    path("api/search", api.search, name="api-search"),
    path("api/suggest", api.suggest, name="api-suggest"),
    path("tim-kiem/xuat.csv", exports.export_csv, name="export-csv"),
    path("tim-kiem/xuat.json", exports.export_json, name="export-json"),
    path("opensearch.xml", discovery.opensearch, name="opensearch"),
    # A sitemap index: one file may list at most 50,000 addresses.
    path(
        "sitemap.xml",
        sitemap_index,
        {"sitemaps": SITEMAPS, "sitemap_url_name": "articles:sitemap-section"},
        name="sitemap",
    ),
    path(
        "sitemap-<section>.xml",
        sitemap,
        {"sitemaps": SITEMAPS},
        name="sitemap-section",
    ),
]
