"""What editors do to articles, independent of the admin's HTTP layer.

Every function here takes any selection of articles (a queryset or a list)
and writes through the paths the search index listens to: column changes
through ``ArticleQuerySet.update()`` (which queues the rows), ICT fields
through the many-to-many manager (whose ``m2m_changed`` signal queues
them). The index therefore follows after commit like for any other write.
"""

from __future__ import annotations

import re
from collections.abc import Iterable

from django.db import transaction
from django.db.models import Q
from django.utils import timezone
from django.utils.text import slugify

from articles.models import Article, IctField, Province, Status
from articles.text import unaccent


class CurationError(ValueError):
    """An editorial change that cannot be made; the message is for the editor."""


ArticleSelection = Iterable[Article] | Iterable[int]


def _ids(articles: ArticleSelection) -> list[int]:
    if hasattr(articles, "values_list"):
        return list(articles.values_list("pk", flat=True))
    return [a if isinstance(a, int) else a.pk for a in articles]


def _update(ids: list[int], **changes) -> int:
    if not ids:
        return 0
    # update() skips auto_now; "sửa lúc" should still show the edit.
    return Article.objects.filter(pk__in=ids).update(updated_at=timezone.now(), **changes)


def publish(articles: ArticleSelection) -> int:
    return _update(_ids(articles), status=Status.PUBLISHED)


def hide(articles: ArticleSelection) -> int:
    return _update(_ids(articles), status=Status.HIDDEN)


def set_province(articles: ArticleSelection, province: Province | None) -> int:
    return _update(_ids(articles), province=province)


def add_field(articles: ArticleSelection, field: IctField) -> int:
    """File the articles under ``field``; returns how many were not yet."""
    ids = set(_ids(articles))
    have = set(field.articles.filter(pk__in=ids).values_list("pk", flat=True))
    new = sorted(ids - have)
    if new:
        with transaction.atomic():
            field.articles.add(*new)
            _update(new)
    return len(new)


def remove_field(articles: ArticleSelection, field: IctField) -> int:
    """Take ``field`` off the articles; returns how many had it."""
    had = sorted(field.articles.filter(pk__in=_ids(articles)).values_list("pk", flat=True))
    if had:
        with transaction.atomic():
            field.articles.remove(*had)
            _update(had)
    return len(had)


def mark_reviewed(articles: ArticleSelection) -> int:
    """Close the review: the import's doubts are settled.

    The reasons are cleared (the admin writes them into the history first)
    and so is the duplicate hint, which the editor has now judged.
    """
    return _update(
        _ids(articles), needs_review=False, review_reasons=[], possible_duplicate_of=None
    )


def check_kept(kept: Article, article: Article | None = None) -> None:
    """Refuse a kept article that would make a loop or a chain of duplicates."""
    if article is not None and kept.pk == article.pk:
        raise CurationError("Một bài không thể là bản trùng của chính nó.")
    if kept.duplicate_of_id is not None:
        raise CurationError(
            f"Bài #{kept.pk} đã là bản trùng của bài #{kept.duplicate_of_id}; "
            f"hãy chọn bài #{kept.duplicate_of_id} làm bài giữ lại."
        )


def move_duplicates(article: Article, kept: Article) -> int:
    """After ``article`` was merged into ``kept``, its own copies follow it."""
    ids = list(article.duplicates.values_list("pk", flat=True))
    return _update(ids, duplicate_of=kept)


def mark_duplicate(articles: ArticleSelection, kept: Article) -> int:
    """Merge the articles into ``kept``: readers and search see only ``kept``.

    ``kept`` may be part of the selection (select both, keep one); it is
    left out. Articles already merged into one of the duplicates are moved
    onto ``kept`` so that no chain of duplicates forms.
    """
    check_kept(kept)
    ids = [pk for pk in _ids(articles) if pk != kept.pk]
    if not ids:
        raise CurationError("Hãy chọn ít nhất một bài khác với bài được giữ lại.")
    with transaction.atomic():
        chained = list(Article.objects.filter(duplicate_of__in=ids).values_list("pk", flat=True))
        _update(chained, duplicate_of=kept)
        return _update(
            ids,
            duplicate_of=kept,
            needs_review=False,
            review_reasons=[],
            possible_duplicate_of=None,
        )


def unmark_duplicate(articles: ArticleSelection) -> int:
    """Make merged articles stand on their own again."""
    ids = list(
        Article.objects.filter(pk__in=_ids(articles), duplicate_of__isnull=False).values_list(
            "pk", flat=True
        )
    )
    return _update(ids, duplicate_of=None)


REASON_LABELS = {
    "no_province": "Không nhận ra tỉnh/thành phố",
    "no-province": "Không nhận ra tỉnh/thành phố",
    "province": "Không nhận ra tỉnh/thành phố",
    "no_date": "Không tìm thấy ngày đăng",
    "no-date": "Không tìm thấy ngày đăng",
    "date": "Ngày đăng không chắc chắn",
    "low_confidence_fields": "Lĩnh vực chưa chắc chắn",
    "fields": "Lĩnh vực chưa chắc chắn",
    "no_fields": "Không xác định được lĩnh vực",
    "possible_duplicate": "Có thể trùng với bài khác",
    "duplicate": "Có thể trùng với bài khác",
}


# The importer's reasons (English, as its report prints them) as an editor
# reads them; the part after the colon is kept.
_IMPORT_REASONS = [
    (r"no province found", "Không nhận ra tỉnh/thành phố"),
    (
        r"province uncertain \(several mentioned\)(?:: (.+) or (.+))?",
        "Chưa chắc là tỉnh nào (bài nêu nhiều tỉnh): {0} hay {1}",
    ),
    (r"no date found", "Không tìm thấy ngày đăng"),
    (
        r"date taken from the digest's other items \(year only\)",
        "Ngày lấy theo các tin khác trong cùng bản tin (chỉ biết năm)",
    ),
    (r"only the year is known, from the text", "Chỉ biết năm, suy ra từ nội dung bài"),
    (r"date year contradicts headline; corrected", "Năm của ngày đăng trái với tiêu đề; đã sửa"),
    (r"low-confidence fields: (.+)", "Lĩnh vực chưa chắc chắn: {0}"),
    (r"no ICT field found", "Không xác định được lĩnh vực"),
    (
        r"no headline on the page: title made from the address",
        "Trang không có dòng tiêu đề: tiêu đề dựng từ địa chỉ bài",
    ),
    (
        r"no headline on the page: title made from the first sentence",
        "Trang không có dòng tiêu đề: tiêu đề lấy từ câu đầu",
    ),
    (r"possible duplicate of #(\d+)", "Có thể trùng với bài #{0}"),
    (r"no longer in its source file", "Không còn trong tệp nguồn"),
    (
        r"given date (.+) not understood; date extracted from the text",
        "Không hiểu ngày ghi trong tệp ({0}); ngày lấy từ nội dung bài",
    ),
    (r"given province (.+) not recognised", "Không nhận ra tỉnh ghi trong tệp ({0})"),
    (r"given fields not recognised: (.+)", "Không nhận ra lĩnh vực ghi trong tệp: {0}"),
    (
        r"given url (.+) is not a web address; not kept",
        "Địa chỉ ghi trong tệp ({0}) không phải địa chỉ web; không lưu",
    ),
    (r"province (.+) is not in the province table", "Tỉnh {0} không có trong danh mục tỉnh"),
]
_IMPORT_REASONS_RE = [(re.compile(rf"^{pattern}$"), label) for pattern, label in _IMPORT_REASONS]


def _import_reason(text: str) -> str:
    for pattern, label in _IMPORT_REASONS_RE:
        match = pattern.match(text)
        if match:
            if any(g is None for g in match.groups()):
                return label.split(":")[0].split(" (")[0] if "{" in label else label
            return label.format(*(_FIELD_NAMES_RE.sub(_field_name, g) for g in match.groups()))
    return text


_FIELD_NAMES = {"buu-chinh": "bưu chính", "vien-thong": "viễn thông", "cntt": "CNTT"}
_FIELD_NAMES["bao-chi"] = "báo chí"
_FIELD_NAMES_RE = re.compile("|".join(_FIELD_NAMES))


def _field_name(match: re.Match) -> str:
    return _FIELD_NAMES[match.group(0)]


SIGNAL_NAMES = {"province": "Tỉnh", "date": "Ngày", "title": "Tiêu đề"}


def signal_labels(signals: object) -> list[str]:
    """What decided the province, the date and the title at import, for the editor."""
    if not isinstance(signals, dict):
        return []
    return [f"{SIGNAL_NAMES.get(k, k)}: {v}" for k, v in signals.items() if v]


def reason_labels(reasons: object) -> list[str]:
    """The import's review reasons as sentences an editor can read.

    Accepts codes (``"no_province"``), sentences, or dicts with a code and
    a message, so that the importer can grow its vocabulary freely.
    """
    if not reasons:
        return []
    if isinstance(reasons, (str, dict)):
        reasons = [reasons]
    labels: list[str] = []
    for reason in reasons if isinstance(reasons, list) else [reasons]:
        if isinstance(reason, dict):
            code = str(reason.get("code") or reason.get("kind") or "")
            text = reason.get("message") or reason.get("label") or reason.get("reason")
            detail = reason.get("detail")
            label = str(text) if text else REASON_LABELS.get(code, code or str(reason))
            if detail:
                label = f"{label}: {detail}"
        else:
            label = REASON_LABELS.get(str(reason)) or _import_reason(str(reason))
        if label and label not in labels:
            labels.append(label)
    return labels


# -- finding articles in the admin -------------------------------------------


def search_filter(term: str, *, limit: int = 5000) -> Q:
    """Articles matching ``term`` the way the portal's search matches.

    Published articles are found through the search index (no diacritics
    needed, abbreviations expanded); articles the index does not hold
    (hidden, merged) are found by their unaccented title slug, their
    source file or their number.
    """
    term = term.strip()
    if not term:
        return Q()
    condition = Q(pk__in=indexed_matches(term, limit=limit))
    slug_words = slugify(unaccent(term))
    if slug_words:
        condition |= Q(slug__regex=rf"(^|-){re.escape(slug_words)}(-|$)")
    condition |= Q(title__icontains=term) | Q(source_file__icontains=term)
    number = term.lstrip("#")
    if number.isdigit() and len(number) < 12:
        condition |= Q(pk=int(number))
    return condition


def indexed_matches(term: str, *, limit: int = 5000) -> list[int]:
    """Ids of published articles the portal's search finds for ``term``."""
    from articles.search.engines import get_engine
    from articles.search.planner import plan_query
    from articles.search.query import abbreviation_table, parse

    parsed = parse(term, abbreviation_table())
    if parsed.is_empty:
        return []
    # Order does not matter here; "newest" avoids scoring thousands of hits.
    plan = plan_query(parsed, facets=(), sort="newest", limit=limit)
    return [pk for pk, _ in get_engine().search(plan).hits]
