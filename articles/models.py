"""The archive: articles, the provinces and ICT fields they are filed under,
and the abbreviation table that feeds the search analysis."""

from __future__ import annotations

import datetime as dt
from collections.abc import Callable, Iterable
from functools import cached_property, lru_cache

from django.db import models, transaction
from django.dispatch import Signal
from django.urls import get_script_prefix, get_urlconf, reverse
from django.utils.text import slugify

from articles.text import unaccent, xml_safe

# Sent inside the transaction of ``ArticleQuerySet.update()`` with the ids of
# the rows it changed.
rows_updated = Signal()


class Region(models.TextChoices):
    # The six socio-economic regions used by the General Statistics Office.
    NORTHERN_MIDLANDS = "trung-du-mien-nui-phia-bac", "Trung du và miền núi phía Bắc"
    RED_RIVER_DELTA = "dong-bang-song-hong", "Đồng bằng sông Hồng"
    NORTH_CENTRAL_COAST = (
        "bac-trung-bo-duyen-hai-mien-trung",
        "Bắc Trung Bộ và Duyên hải miền Trung",
    )
    CENTRAL_HIGHLANDS = "tay-nguyen", "Tây Nguyên"
    SOUTHEAST = "dong-nam-bo", "Đông Nam Bộ"
    MEKONG_DELTA = "dong-bang-song-cuu-long", "Đồng bằng sông Cửu Long"


def listing_url(name: str, slug: str) -> str:
    """The URL of a province's or field's page.

    Every result on a page links its province and fields; reversing each
    link again was a tenth of the search page's time.
    """
    return _listing_url(name, slug, get_script_prefix(), get_urlconf())


@lru_cache(maxsize=512)
def _listing_url(name: str, slug: str, prefix: str, urlconf: object) -> str:
    return reverse(name, kwargs={"slug": slug})


class Province(models.Model):
    name = models.CharField("tên", max_length=64, unique=True)
    slug = models.SlugField("slug", max_length=64, unique=True)
    region = models.CharField("vùng", max_length=64, choices=Region.choices)
    is_city = models.BooleanField("thành phố trực thuộc TW", default=False)
    variants = models.JSONField(
        "cách viết khác",
        default=list,
        blank=True,
        help_text="Các cách viết gặp trong bài (Đăk Nông, Dak Nong, TT-Huế ...).",
    )
    unit_2025 = models.CharField(
        "thuộc đơn vị từ 2025",
        max_length=64,
        help_text="Tên tỉnh/thành phố mà địa bàn này thuộc về kể từ 01/07/2025.",
    )
    existed_until = models.DateField(
        "tồn tại đến", null=True, blank=True, help_text="Chỉ điền cho tỉnh đã giải thể (Hà Tây)."
    )
    order = models.PositiveSmallIntegerField("thứ tự", default=0)

    class Meta:
        ordering = ["order", "name"]
        verbose_name = "tỉnh/thành phố"
        verbose_name_plural = "tỉnh/thành phố"

    def __str__(self) -> str:
        return self.name

    def get_absolute_url(self) -> str:
        return listing_url("articles:province", self.slug)

    @property
    def unit_2025_changed(self) -> bool:
        return self.unit_2025 != self.name

    @property
    def unit_2025_slug(self) -> str:
        return slugify(unaccent(self.unit_2025))


class IctField(models.Model):
    """One of the four ICT fields the portal facets on; labels are editable."""

    code = models.SlugField("mã", max_length=32, unique=True)
    name = models.CharField("tên", max_length=64)
    short_name = models.CharField("tên ngắn", max_length=32, blank=True)
    description = models.TextField("mô tả", blank=True)
    order = models.PositiveSmallIntegerField("thứ tự", default=0)

    class Meta:
        ordering = ["order", "name"]
        verbose_name = "lĩnh vực"
        verbose_name_plural = "lĩnh vực"

    def __str__(self) -> str:
        return self.name

    def get_absolute_url(self) -> str:
        return listing_url("articles:field", self.code)


class Abbreviation(models.Model):
    """An abbreviation of the domain and what it stands for.

    The search analysis reads this table at query time, so an edit here
    changes what matches at once, without re-indexing.
    """

    short = models.CharField("viết tắt", max_length=32, unique=True)
    expansion = models.CharField("dạng đầy đủ", max_length=200)
    variants = models.JSONField(
        "cách viết khác", default=list, blank=True, help_text="Ví dụ TT-TT, TTTT cho TT&TT."
    )
    enabled = models.BooleanField("dùng trong tìm kiếm", default=True)

    class Meta:
        ordering = ["short"]
        verbose_name = "từ viết tắt"
        verbose_name_plural = "từ viết tắt"

    def __str__(self) -> str:
        return f"{self.short} = {self.expansion}"


class DatePrecision(models.TextChoices):
    DAY = "day", "ngày"
    MONTH = "month", "tháng"
    YEAR = "year", "năm"
    UNKNOWN = "unknown", "không rõ"


class Status(models.TextChoices):
    PUBLISHED = "published", "Đã xuất bản"
    HIDDEN = "hidden", "Ẩn"


class ArticleQuerySet(models.QuerySet):
    def published(self) -> ArticleQuerySet:
        """What readers see: published, not merged into another article."""
        return self.filter(status=Status.PUBLISHED, duplicate_of__isnull=True)

    def with_relations(self) -> ArticleQuerySet:
        return self.select_related("province").prefetch_related("fields")

    def for_results(self) -> ArticleQuerySet:
        """What a list of results shows: no raw text; fields via ``attach_ict_fields``."""
        return self.select_related("province").defer("raw_text")

    def newest_first(self) -> ArticleQuerySet:
        return self.order_by(models.F("date").desc(nulls_last=True), "-id")

    def needing_review(self) -> ArticleQuerySet:
        return self.filter(needs_review=True)

    def update(self, **kwargs) -> int:
        # Django's bulk update sends no signal; ``rows_updated`` tells the
        # search index queue which rows changed, so that every write path
        # reaches the index. One transaction: the rows updated are exactly
        # the rows its receivers see.
        with transaction.atomic(using=self.db):
            ids = list(self.values_list("pk", flat=True))
            count = super().update(**kwargs)
            if ids:
                rows_updated.send(sender=self.model, ids=ids)
        return count

    update.queryset_only = True


class Article(models.Model):
    title = models.CharField("tiêu đề", max_length=600)
    slug = models.SlugField(
        "slug",
        max_length=120,
        unique=True,
        blank=True,
        help_text="Để trống để tạo từ tiêu đề.",
    )
    body = models.TextField("nội dung")
    date = models.DateField(
        "ngày",
        null=True,
        blank=True,
        help_text="Khi chỉ biết tháng hoặc năm, lưu ngày đầu tháng/năm và chọn độ chính xác.",
    )
    date_precision = models.CharField(
        "độ chính xác của ngày",
        max_length=8,
        choices=DatePrecision.choices,
        default=DatePrecision.UNKNOWN,
    )
    province = models.ForeignKey(
        Province,
        verbose_name="tỉnh/thành phố",
        null=True,
        blank=True,
        on_delete=models.PROTECT,
        related_name="articles",
    )
    fields = models.ManyToManyField(
        IctField, verbose_name="lĩnh vực", blank=True, related_name="articles"
    )
    byline = models.CharField("tác giả", max_length=200, blank=True)
    source = models.CharField("nguồn", max_length=100, blank=True, help_text="Ví dụ mic.gov.vn")
    source_url = models.URLField("địa chỉ gốc", max_length=2000, blank=True)

    # Provenance: where the article came from, exactly as read. Never edited.
    source_file = models.CharField("tệp nguồn", max_length=500, editable=False)
    source_item = models.PositiveIntegerField("mục trong tệp", default=1, editable=False)
    raw_text = models.TextField("văn bản gốc", blank=True, editable=False)
    fingerprint = models.CharField("dấu vân nội dung", max_length=64, db_index=True, editable=False)
    raw_fingerprint = models.CharField(max_length=64, blank=True, editable=False)

    status = models.CharField(
        "trạng thái", max_length=16, choices=Status.choices, default=Status.PUBLISHED
    )
    needs_review = models.BooleanField("cần xem lại", default=False)
    review_reasons = models.JSONField("lý do cần xem lại", default=list, blank=True)
    import_signals = models.JSONField(
        "căn cứ khi nhập",
        default=dict,
        blank=True,
        editable=False,
        help_text="Điều đã quyết định tỉnh, ngày và tiêu đề khi nhập bài.",
    )
    duplicate_of = models.ForeignKey(
        "self",
        verbose_name="bản trùng của",
        null=True,
        blank=True,
        on_delete=models.SET_NULL,
        related_name="duplicates",
    )
    possible_duplicate_of = models.ForeignKey(
        "self",
        verbose_name="có thể trùng với",
        null=True,
        blank=True,
        on_delete=models.SET_NULL,
        related_name="+",
    )
    created_at = models.DateTimeField("tạo lúc", auto_now_add=True)
    updated_at = models.DateTimeField("sửa lúc", auto_now=True)

    objects = ArticleQuerySet.as_manager()

    class Meta:
        ordering = [models.F("date").desc(nulls_last=True), "-id"]
        verbose_name = "bài viết"
        verbose_name_plural = "bài viết"
        constraints = [
            models.UniqueConstraint(
                fields=["source_file", "source_item"], name="article_unique_provenance"
            ),
        ]
        indexes = [
            models.Index(fields=["status", "date"]),
            models.Index(fields=["needs_review"]),
            # The importer's near-duplicate check looks up articles of a date.
            models.Index(fields=["date"], name="article_date_idx"),
        ]

    def __str__(self) -> str:
        return self.title

    def save(self, *args, **kwargs) -> None:
        self.clean_text()
        # The change and its index-queue row (written by post_save) commit together.
        with transaction.atomic(using=kwargs.get("using")):
            if not self.slug:
                self.slug = unique_slug(self.title, exclude_pk=self.pk)
            super().save(*args, **kwargs)

    def get_absolute_url(self) -> str:
        return reverse("articles:detail", kwargs={"slug": self.slug})

    def clean_text(self) -> None:
        """Drop characters no feed or sitemap can carry (text pasted in the
        admin may hold them); every save does this, and the importer's bulk
        inserts call it themselves."""
        for name in ("title", "body", "byline", "source"):
            setattr(self, name, xml_safe(getattr(self, name)))

    @cached_property
    def ict_fields(self) -> list[IctField]:
        """Its ICT fields in display order (see ``attach_ict_fields``)."""
        return list(self.fields.all())

    @property
    def year(self) -> int | None:
        return (
            self.date.year if self.date and self.date_precision != DatePrecision.UNKNOWN else None
        )

    @property
    def is_published(self) -> bool:
        return self.status == Status.PUBLISHED and self.duplicate_of_id is None

    @property
    def date_display(self) -> str:
        """The date the Vietnamese way, at the precision the text supports."""
        return format_date_vi(self.date, self.date_precision)

    @property
    def paragraphs(self) -> list[str]:
        return [p for p in self.body.split("\n\n") if p.strip()]

    @property
    def summary(self) -> str:
        text = " ".join(self.body.split())
        if len(text) <= 300:
            return text
        cut = text[:300].rsplit(" ", 1)[0]
        return cut + " …"


def format_date_vi(date: dt.date | None, precision: str) -> str:
    if date is None or precision == DatePrecision.UNKNOWN:
        return "Không rõ ngày"
    if precision == DatePrecision.YEAR:
        return f"năm {date.year}"
    if precision == DatePrecision.MONTH:
        return f"tháng {date.month}/{date.year}"
    return f"{date.day:02d}/{date.month:02d}/{date.year}"


def slug_base(title: str, max_length: int = 100) -> str:
    return slugify(unaccent(title))[:max_length].strip("-") or "bai-viet"


def unique_slug(title: str, exclude_pk: int | None = None, max_length: int = 100) -> str:
    others = Article.objects.all()
    if exclude_pk:
        others = others.exclude(pk=exclude_pk)
    return free_slug(slug_base(title, max_length), lambda slug: others.filter(slug=slug).exists())


def free_slug(base: str, taken: Callable[[str], bool]) -> str:
    """``base``, or the first of ``base-2``, ``base-3`` … that is not ``taken``."""
    candidate, n = base, 2
    while taken(candidate):
        candidate = f"{base}-{n}"
        n += 1
    return candidate


class IndexQueueEntry(models.Model):
    """A pending change for the search index.

    Rows are written in the same transaction as the change itself, so a
    rolled-back change leaves none, and a committed one cannot be lost even
    when the index is locked: whichever process next holds the writer drains
    the queue. See docs/architecture.md.
    """

    article_id = models.BigIntegerField(db_index=True)
    queued_at = models.DateTimeField(auto_now_add=True)

    class Meta:
        verbose_name = "thay đổi chờ cập nhật chỉ mục"
        verbose_name_plural = "thay đổi chờ cập nhật chỉ mục"

    def __str__(self) -> str:
        return f"bài #{self.article_id}"


class ArticleAnalysis(models.Model):
    """An article's analysis (its word segmentation), kept so that it is done
    once: a rebuild reads it instead of segmenting again.

    Valid while ``version`` is the analysis code's (``articles.analysis_store``)
    and ``digest`` the article's title and body's; otherwise redone.
    """

    article = models.OneToOneField(
        Article, on_delete=models.CASCADE, primary_key=True, related_name="analysis"
    )
    version = models.CharField(max_length=32)
    digest = models.CharField(max_length=64)
    tokens = models.BinaryField()

    class Meta:
        verbose_name = "phân tích từ của bài"
        verbose_name_plural = "phân tích từ của bài"

    def __str__(self) -> str:
        return f"bài #{self.article_id} ({self.version})"


class LoginFailure(models.Model):
    """A wrong password at the admin's login, counted by ``portal.login_throttle``."""

    address = models.CharField(max_length=64)
    username = models.CharField(max_length=150)
    at = models.DateTimeField(auto_now_add=True, db_index=True)

    class Meta:
        verbose_name = "lần đăng nhập sai"
        verbose_name_plural = "lần đăng nhập sai"
        indexes = [models.Index(fields=["address", "username"])]

    def __str__(self) -> str:
        return f"{self.username} từ {self.address}"


def attach_ict_fields(articles: Iterable[Article], fields: Iterable[IctField]) -> None:
    """Fill in ``ict_fields`` of many articles with one query on the link table.

    ``fields`` is every ICT field, in display order (a cached list). For a
    page of search results this is several times cheaper than
    ``prefetch_related``; an article linked to a field not in ``fields``
    is left to load its own.
    """
    articles = list(articles)
    order = {field.pk: (i, field) for i, field in enumerate(fields)}
    links = Article.fields.through.objects.filter(article__in=articles).values_list(
        "article_id", "ictfield_id"
    )
    found: dict[int, list[tuple[int, IctField]]] = {}
    unknown: set[int] = set()
    for article_id, field_id in links:
        if field_id in order:
            found.setdefault(article_id, []).append(order[field_id])
        else:
            unknown.add(article_id)
    for article in articles:
        if article.pk not in unknown:
            article.ict_fields = [field for _, field in sorted(found.get(article.pk, []))]
