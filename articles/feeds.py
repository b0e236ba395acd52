"""Feeds (being written)."""
from django.http import HttpResponse


class _Todo:
    def __call__(self, request, **kwargs):
        return HttpResponse("")


LatestRss = LatestAtom = ProvinceRss = ProvinceAtom = FieldRss = FieldAtom = _Todo
YearRss = YearAtom = SearchRss = SearchAtom = _Todo
