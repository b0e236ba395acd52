"""Export of a whole search result set, for citation: CSV and JSON.

``/tim-kiem/xuat.csv`` and ``/tim-kiem/xuat.json`` take the search page's
query string and export every match (not one page), in the page's order,
up to ``settings.PORTAL_EXPORT_MAX_ROWS``. Rows are streamed as the search
service returns them a chunk at a time, so memory stays flat however large
the export.
"""

from __future__ import annotations

import csv
import json
from collections.abc import Callable, Iterator
from dataclasses import dataclass, replace

from django.conf import settings
from django.http import HttpRequest, HttpResponse, StreamingHttpResponse
from django.utils.text import slugify
from django.views.decorators.http import require_GET

from articles import limits
from articles.models import Article
from articles.search.service import SearchParams, search
from articles.structured_data import iso_date, publisher_name
from articles.text import unaccent

CHUNK = 500
DEFAULT_MAX_ROWS = 10000

# Column key → header, in output order.
CSV_COLUMNS = [
    ("title", "Tiêu đề"),
    ("date_display", "Ngày"),
    ("date", "Ngày (ISO 8601)"),
    ("province", "Tỉnh/thành phố"),
    ("fields", "Lĩnh vực"),
    ("publisher", "Nguồn"),
    ("source_url", "Địa chỉ gốc"),
    ("url", "Địa chỉ trên cổng"),
]

# A spreadsheet runs a cell starting with one of these as a formula (OWASP
# "CSV injection"); a leading apostrophe makes it text.
FORMULA_STARTS = ("=", "+", "-", "@", "\t", "\r")


def neutralize(value: str) -> str:
    return "'" + value if value.startswith(FORMULA_STARTS) else value


def _thousands(n: int) -> str:
    return f"{n:,}".replace(",", ".")


@dataclass
class ExportPlan:
    params: SearchParams
    total: int
    max_rows: int
    first_chunk: list[Article]

    @property
    def truncated(self) -> bool:
        return self.total > self.max_rows

    @property
    def message(self) -> str:
        if not self.truncated:
            return ""
        return (
            f"Chỉ xuất {_thousands(self.max_rows)} trong số {_thousands(self.total)} bài "
            f"tìm được (giới hạn {_thousands(self.max_rows)} bài mỗi lần xuất). "
            "Hãy thu hẹp tìm kiếm theo tỉnh, năm hoặc lĩnh vực để xuất phần còn lại."
        )

    @property
    def file_stem(self) -> str:
        words = slugify(unaccent(self.params.q))[:60].strip("-")
        return f"ket-qua-tim-kiem-{words}" if words else "ket-qua-tim-kiem"

    @property
    def chunk_size(self) -> int:
        return max(1, min(CHUNK, self.max_rows))

    def articles(self) -> Iterator[Article]:
        """Every match up to the cap, in the search page's order."""
        seen: set[int] = set()
        chunk, page = self.first_chunk, 1
        while chunk:
            for article in chunk:
                if len(seen) >= self.max_rows:
                    return
                # Equal scores at a chunk edge may come back in either chunk.
                if article.pk not in seen:
                    seen.add(article.pk)
                    yield article
            if page * self.chunk_size >= self.total:
                return
            page += 1
            chunk = _chunk(self.params, page, self.chunk_size)


def _chunk(params: SearchParams, page: int, size: int) -> list[Article]:
    outcome = search(replace(params, page=page, page_size=size), with_snippets=False)
    return [hit.article for hit in outcome.hits]


def plan_export(query) -> ExportPlan:
    """Read a search query string (``request.GET``) and run its first chunk."""
    params = SearchParams.from_query_dict(query)
    max_rows = max(int(getattr(settings, "PORTAL_EXPORT_MAX_ROWS", DEFAULT_MAX_ROWS)), 0)
    plan = ExportPlan(params, 0, max_rows, [])
    outcome = search(replace(params, page=1, page_size=plan.chunk_size), with_snippets=False)
    plan.total = outcome.total
    plan.first_chunk = [hit.article for hit in outcome.hits]
    return plan


def citation(article: Article, absolute: Callable[[str], str]) -> dict:
    """What a reader needs to cite ``article``; ``absolute`` makes a full URL."""
    fields = list(article.ict_fields)
    return {
        "id": article.pk,
        "title": article.title,
        "date": iso_date(article),
        "date_precision": article.date_precision,
        "date_display": article.date_display,
        "province": article.province.name if article.province_id else None,
        "province_slug": article.province.slug if article.province_id else None,
        "fields": [f.code for f in fields],
        "field_names": [f.name for f in fields],
        "source": article.source or None,
        "publisher": publisher_name(article),
        "source_url": article.source_url or None,
        "url": absolute(article.get_absolute_url()),
    }


class _Line:
    """A file-like target for csv.writer that hands back what it was given."""

    def write(self, value: str) -> str:
        return value


def csv_stream(plan: ExportPlan, absolute: Callable[[str], str]) -> Iterator[str]:
    writer = csv.writer(_Line())
    # The byte order mark makes Excel read the file as UTF-8.
    yield "\ufeff" + writer.writerow([header for _, header in CSV_COLUMNS])
    for article in plan.articles():
        row = citation(article, absolute)
        row["fields"] = "; ".join(row["field_names"])
        cells = ["" if row[key] is None else str(row[key]) for key, _ in CSV_COLUMNS]
        yield writer.writerow([neutralize(cell) for cell in cells])
    if plan.truncated:
        yield writer.writerow([neutralize(f"Ghi chú: {plan.message}")])


def json_stream(plan: ExportPlan, absolute: Callable[[str], str]) -> Iterator[str]:
    def dump(value) -> str:
        return json.dumps(value, ensure_ascii=False)

    params = plan.params
    head = {
        "query": params.q,
        "filters": {
            "province": params.provinces,
            "year": params.years,
            "field": params.fields,
            "tu_nam": params.year_from,
            "den_nam": params.year_to,
        },
        "sort": params.effective_sort,
        "total": plan.total,
        "max_rows": plan.max_rows,
        "truncated": plan.truncated,
        "message": plan.message or None,
    }
    # The object is written by hand around the results so they can stream.
    yield dump(head)[:-1] + ', "results": ['
    count = 0
    for article in plan.articles():
        yield ("," if count else "") + "\n" + dump(citation(article, absolute))
        count += 1
    yield f'\n], "count": {count}}}\n'


def _response(
    request: HttpRequest, stream: Callable, content_type: str, extension: str
) -> StreamingHttpResponse | HttpResponse:
    slot = limits.take_slot("export", settings.PORTAL_EXPORT_SLOTS)
    if slot is None:
        return limits.too_busy()
    try:
        plan = plan_export(request.GET)
    except BaseException:
        slot.close()
        raise
    response = StreamingHttpResponse(
        limits.holding(slot, stream(plan, request.build_absolute_uri)),
        content_type=content_type,
    )
    response["Content-Disposition"] = f'attachment; filename="{plan.file_stem}.{extension}"'
    response["X-Export-Total"] = str(plan.total)
    response["X-Export-Truncated"] = "true" if plan.truncated else "false"
    return response


@require_GET
def export_csv(request: HttpRequest) -> StreamingHttpResponse | HttpResponse:
    return _response(request, csv_stream, "text/csv; charset=utf-8", "csv")


@require_GET
def export_json(request: HttpRequest) -> StreamingHttpResponse | HttpResponse:
    return _response(request, json_stream, "application/json; charset=utf-8", "json")
