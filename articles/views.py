"""Reader-facing pages (being written)."""
from django.http import HttpResponse


def _todo(request, **kwargs):
    return HttpResponse("")


home = search = latest = province = field = year = detail = _todo
