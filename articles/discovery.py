"""Discovery pages (being written)."""
from django.http import HttpResponse


def _todo(request, **kwargs):
    return HttpResponse("")


coverage = opensearch = _todo
