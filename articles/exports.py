"""Exports (being written)."""
from django.http import HttpResponse


def _todo(request, **kwargs):
    return HttpResponse("")


export_csv = export_json = _todo
