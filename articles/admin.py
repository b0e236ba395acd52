"""The editors' side: curating the archive in Django's admin.

Editorial logic lives in ``articles.curation``; this module wires it to
lists, filters, forms and bulk actions, and records each bulk change in the
admin history (Django logs single edits itself, not actions).
"""

from __future__ import annotations

import uuid
from collections.abc import Callable
from urllib.parse import urlencode

from django import forms
from django.contrib import admin, messages
from django.contrib.admin.helpers import ACTION_CHECKBOX_NAME
from django.contrib.admin.models import CHANGE, LogEntry
from django.contrib.admin.widgets import AutocompleteSelect
from django.db import models, transaction
from django.db.models import Count, Q
from django.http import HttpRequest
from django.template.response import TemplateResponse
from django.urls import reverse
from django.utils.html import format_html, format_html_join
from django.utils.text import capfirst, slugify

from articles import curation
from articles.models import (
    Abbreviation,
    Article,
    DatePrecision,
    IctField,
    IndexQueueEntry,
    Province,
)
from articles.text import unaccent

ACTION_TEMPLATE = "admin/articles/article/action_form.html"


# -- forms -----------------------------------------------------------------


class LinesField(forms.CharField):
    """A JSON list of strings edited as one value per line.

    Lines rather than commas: some variants contain a comma ("CNH, HĐH").
    """

    widget = forms.Textarea(attrs={"rows": 4, "cols": 40})

    def prepare_value(self, value):
        if isinstance(value, (list, tuple)):
            return "\n".join(str(v) for v in value)
        return value

    def to_python(self, value) -> list[str]:
        if isinstance(value, (list, tuple)):
            lines = [str(v) for v in value]
        else:
            lines = str(value or "").splitlines()
        result: list[str] = []
        for line in lines:
            line = " ".join(line.split())
            if line and line not in result:
                result.append(line)
        return result

    def has_changed(self, initial, data) -> bool:
        return (initial or []) != self.to_python(data)


class VariantsAsLines:
    """ModelAdmin mixin: the ``variants`` JSON list is edited one per line."""

    def formfield_for_dbfield(self, db_field, request, **kwargs):
        if db_field.name == "variants":
            return LinesField(
                label=capfirst(db_field.verbose_name),
                required=False,
                help_text="Mỗi dòng một cách viết.",
            )
        return super().formfield_for_dbfield(db_field, request, **kwargs)


class ProvinceChoiceForm(forms.Form):
    province = forms.ModelChoiceField(
        Province.objects.all(),
        label="Tỉnh/thành phố",
        required=False,
        empty_label="— Không rõ tỉnh (bỏ tỉnh hiện có) —",
    )


class FieldChoiceForm(forms.Form):
    field = forms.ModelChoiceField(IctField.objects.all(), label="Lĩnh vực")


class DuplicateForm(forms.Form):
    kept = forms.ModelChoiceField(
        Article.objects.all(),
        label="Bài được giữ lại",
        help_text=(
            "Gõ vài chữ của tiêu đề (không dấu cũng được) hoặc số của bài. Các bài đã "
            "chọn trở thành bản trùng của bài này: chúng biến khỏi tìm kiếm và trang "
            "của chúng chuyển hướng sang bài được giữ lại."
        ),
        widget=AutocompleteSelect(Article._meta.get_field("duplicate_of"), admin.site),
    )


class ArticleAdminForm(forms.ModelForm):
    class Meta:
        model = Article
        fields = (
            "title",
            "slug",
            "byline",
            "body",
            "date",
            "date_precision",
            "province",
            "fields",
            "status",
            "duplicate_of",
            "needs_review",
            "source",
            "source_url",
        )

    def clean_duplicate_of(self):
        kept = self.cleaned_data.get("duplicate_of")
        if kept is not None:
            try:
                curation.check_kept(kept, self.instance if self.instance.pk else None)
            except curation.CurationError as error:
                raise forms.ValidationError(str(error)) from error
        return kept


# -- list filters ------------------------------------------------------------


class ConditionFilter(admin.SimpleListFilter):
    """A filter whose choices are plain conditions.

    Facet counts are aggregated from the conditions directly; Django's
    default re-filters the whole change list once per choice, which would
    repeat the search's id list in every subquery.
    """

    def conditions(self, request) -> list[tuple[str, str, Q]]:
        raise NotImplementedError

    def lookups(self, request, model_admin):
        self._conditions = self.conditions(request)
        return [(value, label) for value, label, _ in self._conditions]

    def queryset(self, request, queryset):
        for value, _, condition in self._conditions:
            if self.value() == value:
                return queryset.filter(condition)
        return queryset

    def get_facet_counts(self, pk_attname, filtered_qs):
        return {
            f"{i}__c": Count(pk_attname, filter=condition)
            for i, (_, _, condition) in enumerate(self._conditions)
        }


class YearFilter(ConditionFilter):
    title = "năm"
    parameter_name = "nam"

    def conditions(self, request):
        known = ~Q(date_precision=DatePrecision.UNKNOWN) & Q(date__isnull=False)
        years = Article.objects.filter(known).dates("date", "year", order="DESC")
        choices = [(str(d.year), str(d.year), known & Q(date__year=d.year)) for d in years]
        choices.append(("khong-ro", "Không rõ năm", ~known))
        return choices


class DuplicateFilter(ConditionFilter):
    title = "trùng lặp"
    parameter_name = "trung"

    def conditions(self, request):
        kept_ids = Article.objects.filter(duplicate_of__isnull=False).values("duplicate_of")
        return [
            ("ban-trung", "Là bản trùng (đã ẩn)", Q(duplicate_of__isnull=False)),
            (
                "co-the-trung",
                "Có thể trùng (chưa xét)",
                Q(possible_duplicate_of__isnull=False, duplicate_of__isnull=True),
            ),
            ("co-ban-trung", "Có bản trùng", Q(pk__in=kept_ids)),
        ]


# -- articles ----------------------------------------------------------------


def _log_change(request: HttpRequest, articles, message: str) -> None:
    articles = list(articles)
    if articles:
        LogEntry.objects.log_actions(
            user_id=request.user.pk,
            queryset=articles,
            action_flag=CHANGE,
            change_message=message,
        )


@admin.register(Article)
class ArticleAdmin(admin.ModelAdmin):
    form = ArticleAdminForm
    list_display = (
        "title",
        "date_column",
        "province",
        "fields_column",
        "status_column",
        "needs_review",
    )
    list_filter = (
        "needs_review",
        "status",
        "province",
        YearFilter,
        "fields",
        DuplicateFilter,
        "source",
    )
    show_facets = admin.ShowFacets.ALWAYS
    # The box is shown when search_fields is set; get_search_results does the work.
    search_fields = ("title",)
    search_help_text = (
        "Tìm như trên cổng: gõ không dấu được (chuyen doi so), từ viết tắt được (CNTT); "
        "cũng tìm theo số bài hoặc tên tệp nguồn."
    )
    date_hierarchy = "date"
    list_per_page = 50
    formfield_overrides = {models.URLField: {"assume_scheme": "https"}}
    list_select_related = ("province", "possible_duplicate_of")
    autocomplete_fields = ("duplicate_of",)
    readonly_fields = (
        "review_reasons_list",
        "import_signals_list",
        "possible_duplicate_link",
        "duplicates_list",
        "source_file",
        "source_item",
        "fingerprint",
        "raw_text_block",
        "created_at",
        "updated_at",
    )
    fieldsets = (
        (None, {"fields": ("title", "slug", "byline", "body")}),
        ("Phân loại", {"fields": (("date", "date_precision"), "province", "fields")}),
        (
            "Xuất bản",
            {"fields": ("status", "duplicate_of", "possible_duplicate_link", "duplicates_list")},
        ),
        ("Xem lại", {"fields": ("needs_review", "review_reasons_list", "import_signals_list")}),
        ("Nguồn", {"fields": ("source", "source_url")}),
        (
            "Bản gốc khi nhập (không sửa được)",
            {
                "classes": ("collapse",),
                "fields": (
                    ("source_file", "source_item"),
                    "fingerprint",
                    "raw_text_block",
                    ("created_at", "updated_at"),
                ),
            },
        ),
    )
    actions = (
        "publish_selected",
        "hide_selected",
        "set_province",
        "add_field",
        "remove_field",
        "mark_reviewed",
        "mark_duplicate",
        "unmark_duplicate",
    )

    def get_queryset(self, request):
        return super().get_queryset(request).prefetch_related("fields")

    def formfield_for_manytomany(self, db_field, request, **kwargs):
        if db_field.name == "fields":
            kwargs["widget"] = forms.CheckboxSelectMultiple
        return super().formfield_for_manytomany(db_field, request, **kwargs)

    def get_list_display(self, request):
        columns = list(super().get_list_display(request))
        if request.GET.get("needs_review__exact") == "1":
            columns += ["reasons_column", "signals_column", "possible_duplicate_link"]
        return columns

    # -- columns and read-only displays --

    @admin.display(description="Ngày", ordering="date")
    def date_column(self, obj: Article) -> str:
        return obj.date_display

    @admin.display(description="Lĩnh vực")
    def fields_column(self, obj: Article) -> str:
        return ", ".join(f.short_name or f.name for f in obj.fields.all())

    @admin.display(description="Trạng thái", ordering="status")
    def status_column(self, obj: Article) -> str:
        if obj.duplicate_of_id:
            return format_html(
                'Bản trùng của <a href="{}">#{}</a>',
                self._change_url(obj.duplicate_of_id),
                obj.duplicate_of_id,
            )
        return obj.get_status_display()

    @admin.display(description="Lý do cần xem lại")
    def reasons_column(self, obj: Article) -> str:
        return "; ".join(curation.reason_labels(obj.review_reasons)) or "—"

    @admin.display(description="Căn cứ khi nhập")
    def signals_column(self, obj: Article) -> str:
        return "; ".join(curation.signal_labels(obj.import_signals)) or "—"

    @admin.display(description="Căn cứ khi nhập")
    def import_signals_list(self, obj: Article) -> str:
        labels = curation.signal_labels(obj.import_signals)
        if not labels:
            return "—"
        return format_html(
            "<ul>{}</ul>", format_html_join("", "<li>{}</li>", ((x,) for x in labels))
        )

    @admin.display(description="Lý do cần xem lại")
    def review_reasons_list(self, obj: Article) -> str:
        labels = curation.reason_labels(obj.review_reasons)
        if not labels:
            return "—"
        return format_html(
            "<ul>{}</ul>", format_html_join("", "<li>{}</li>", ((x,) for x in labels))
        )

    @admin.display(description="Có thể trùng với")
    def possible_duplicate_link(self, obj: Article) -> str:
        other = obj.possible_duplicate_of
        if other is None:
            return "—"
        return format_html(
            '<a href="{}">#{} {}</a> ({})',
            self._change_url(other.pk),
            other.pk,
            other.title,
            other.date_display,
        )

    @admin.display(description="Các bản trùng của bài này")
    def duplicates_list(self, obj: Article) -> str:
        duplicates = list(obj.duplicates.only("pk", "title")[:50]) if obj.pk else []
        if not duplicates:
            return "—"
        return format_html(
            "<ul>{}</ul>",
            format_html_join(
                "",
                '<li><a href="{}">#{} {}</a></li>',
                ((self._change_url(d.pk), d.pk, d.title) for d in duplicates),
            ),
        )

    @admin.display(description="Văn bản gốc")
    def raw_text_block(self, obj: Article) -> str:
        if not obj.raw_text:
            return "—"
        return format_html(
            '<pre style="white-space: pre-wrap; max-height: 30em; overflow: auto">{}</pre>',
            obj.raw_text,
        )

    def _change_url(self, pk: int) -> str:
        return reverse("admin:articles_article_change", args=[pk], current_app=self.admin_site.name)

    # -- search --

    def get_search_results(self, request, queryset, search_term):
        term = (search_term or "").strip()
        if not term:
            return queryset, False
        # The change list asks once per facet; search the index once per request.
        cache = request.__dict__.setdefault("_article_search", {})
        if term not in cache:
            cache[term] = curation.search_filter(term)
        return queryset.filter(cache[term]), False

    # -- saving --

    def save_model(self, request, obj, form, change):
        if not change and not obj.source_file:
            # Typed in by an editor: give it a provenance of its own so that
            # it cannot collide with an imported (file, item) pair.
            obj.source_file = f"nhap-tay/{uuid.uuid4().hex}"
        super().save_model(request, obj, form, change)
        if change and obj.duplicate_of_id and "duplicate_of" in form.changed_data:
            curation.move_duplicates(obj, obj.duplicate_of)

    def changelist_view(self, request, extra_context=None):
        changelist_url = reverse("admin:articles_article_changelist")
        extra_context = {
            "review_count": Article.objects.needing_review().count(),
            "review_url": f"{changelist_url}?{urlencode({'needs_review__exact': '1'})}",
            "index_pending": IndexQueueEntry.objects.count(),
            **(extra_context or {}),
        }
        return super().changelist_view(request, extra_context=extra_context)

    # -- bulk actions --

    def _with_form(
        self,
        request: HttpRequest,
        queryset,
        form_class: type[forms.Form],
        *,
        title: str,
        action: str,
        apply_label: str,
        apply: Callable[[dict], None],
    ):
        """Show ``form`` for the selection; on submit, run ``apply``.

        Returns None (back to the change list) once applied, else the page.
        """
        submitted = "apply" in request.POST
        form = form_class(request.POST if submitted else None)
        if submitted and form.is_valid():
            try:
                apply(form.cleaned_data)
            except curation.CurationError as error:
                form.add_error(None, str(error))
            else:
                return None
        count = queryset.count()
        context = {
            **self.admin_site.each_context(request),
            "title": title,
            "opts": self.model._meta,
            "form": form,
            "media": self.media + form.media,
            "articles": queryset[:30],
            "count": count,
            "more": max(count - 30, 0),
            "selected": request.POST.getlist(ACTION_CHECKBOX_NAME),
            "select_across": request.POST.get("select_across", "0"),
            "action": action,
            "apply_label": apply_label,
            "action_checkbox_name": ACTION_CHECKBOX_NAME,
        }
        request.current_app = self.admin_site.name
        return TemplateResponse(request, ACTION_TEMPLATE, context)

    @admin.action(description="Xuất bản các bài đã chọn", permissions=["change"])
    def publish_selected(self, request, queryset):
        ids = list(queryset.values_list("pk", flat=True))
        count = curation.publish(ids)
        _log_change(request, Article.objects.filter(pk__in=ids), "Xuất bản (thao tác hàng loạt).")
        merged = Article.objects.filter(pk__in=ids, duplicate_of__isnull=False).count()
        note = f" {merged} bài là bản trùng nên vẫn không hiện với bạn đọc." if merged else ""
        self.message_user(request, f"Đã xuất bản {count} bài.{note}", messages.SUCCESS)

    @admin.action(description="Ẩn các bài đã chọn", permissions=["change"])
    def hide_selected(self, request, queryset):
        ids = list(queryset.values_list("pk", flat=True))
        count = curation.hide(ids)
        _log_change(request, Article.objects.filter(pk__in=ids), "Ẩn (thao tác hàng loạt).")
        self.message_user(request, f"Đã ẩn {count} bài.", messages.SUCCESS)

    @admin.action(description="Gán tỉnh/thành phố…", permissions=["change"])
    def set_province(self, request, queryset):
        def apply(data: dict) -> None:
            province = data["province"]
            ids = list(queryset.values_list("pk", flat=True))
            count = curation.set_province(ids, province)
            label = province.name if province else "không rõ tỉnh"
            _log_change(
                request, Article.objects.filter(pk__in=ids), f"Gán tỉnh/thành phố: {label}."
            )
            self.message_user(request, f"Đã gán {label} cho {count} bài.", messages.SUCCESS)

        return self._with_form(
            request,
            queryset,
            ProvinceChoiceForm,
            title="Gán tỉnh/thành phố cho các bài đã chọn",
            action="set_province",
            apply_label="Gán tỉnh",
            apply=apply,
        )

    @admin.action(description="Thêm lĩnh vực…", permissions=["change"])
    def add_field(self, request, queryset):
        def apply(data: dict) -> None:
            field = data["field"]
            ids = list(queryset.values_list("pk", flat=True))
            count = curation.add_field(ids, field)
            _log_change(
                request, Article.objects.filter(pk__in=ids), f"Thêm lĩnh vực: {field.name}."
            )
            self.message_user(
                request, f"Đã thêm lĩnh vực {field.name} cho {count} bài.", messages.SUCCESS
            )

        return self._with_form(
            request,
            queryset,
            FieldChoiceForm,
            title="Thêm lĩnh vực cho các bài đã chọn",
            action="add_field",
            apply_label="Thêm lĩnh vực",
            apply=apply,
        )

    @admin.action(description="Bỏ lĩnh vực…", permissions=["change"])
    def remove_field(self, request, queryset):
        def apply(data: dict) -> None:
            field = data["field"]
            ids = list(queryset.values_list("pk", flat=True))
            count = curation.remove_field(ids, field)
            _log_change(request, Article.objects.filter(pk__in=ids), f"Bỏ lĩnh vực: {field.name}.")
            self.message_user(
                request, f"Đã bỏ lĩnh vực {field.name} khỏi {count} bài.", messages.SUCCESS
            )

        return self._with_form(
            request,
            queryset,
            FieldChoiceForm,
            title="Bỏ lĩnh vực khỏi các bài đã chọn",
            action="remove_field",
            apply_label="Bỏ lĩnh vực",
            apply=apply,
        )

    @admin.action(description="Đánh dấu đã xem lại", permissions=["change"])
    def mark_reviewed(self, request, queryset):
        articles = list(queryset.select_related(None).only("pk", "title", "review_reasons"))
        with transaction.atomic():
            # The reasons are cleared on the article; the history keeps them.
            for article in articles:
                labels = curation.reason_labels(article.review_reasons)
                detail = f" Lý do lúc nhập: {'; '.join(labels)}." if labels else ""
                _log_change(request, [article], f"Đã xem lại.{detail}")
            count = curation.mark_reviewed(articles)
        self.message_user(request, f"Đã đánh dấu {count} bài là đã xem lại.", messages.SUCCESS)

    @admin.action(description="Đánh dấu là bản trùng của một bài…", permissions=["change"])
    def mark_duplicate(self, request, queryset):
        def apply(data: dict) -> None:
            kept = data["kept"]
            ids = [pk for pk in queryset.values_list("pk", flat=True) if pk != kept.pk]
            count = curation.mark_duplicate(ids, kept)
            _log_change(
                request,
                Article.objects.filter(pk__in=ids),
                f"Đánh dấu là bản trùng của bài #{kept.pk}.",
            )
            self.message_user(
                request,
                f"Đã đánh dấu {count} bài là bản trùng của bài #{kept.pk} «{kept.title}».",
                messages.SUCCESS,
            )

        return self._with_form(
            request,
            queryset,
            DuplicateForm,
            title="Đánh dấu các bài đã chọn là bản trùng",
            action="mark_duplicate",
            apply_label="Đánh dấu là bản trùng",
            apply=apply,
        )

    @admin.action(description="Bỏ đánh dấu bản trùng", permissions=["change"])
    def unmark_duplicate(self, request, queryset):
        ids = list(queryset.filter(duplicate_of__isnull=False).values_list("pk", flat=True))
        count = curation.unmark_duplicate(ids)
        _log_change(request, Article.objects.filter(pk__in=ids), "Bỏ đánh dấu bản trùng.")
        self.message_user(request, f"{count} bài không còn là bản trùng.", messages.SUCCESS)


# -- reference tables ----------------------------------------------------------


class UnaccentedSlugSearch:
    """Admin search that also matches the unaccented slug ("dak nong")."""

    def get_search_results(self, request, queryset, search_term):
        results, may_duplicate = super().get_search_results(request, queryset, search_term)
        slug = slugify(unaccent(search_term or ""))
        if slug:
            results |= queryset.filter(**{f"{self.slug_field}__icontains": slug})
        return results, may_duplicate


@admin.register(Province)
class ProvinceAdmin(UnaccentedSlugSearch, VariantsAsLines, admin.ModelAdmin):
    slug_field = "slug"
    list_display = ("name", "slug", "region", "is_city", "unit_2025", "article_count")
    list_filter = ("region", "is_city")
    search_fields = ("name", "slug", "unit_2025")
    prepopulated_fields = {"slug": ("name",)}

    def get_queryset(self, request):
        return super().get_queryset(request).annotate(_articles=Count("articles"))

    @admin.display(description="Số bài", ordering="_articles")
    def article_count(self, obj: Province) -> int:
        return obj._articles


@admin.register(IctField)
class IctFieldAdmin(admin.ModelAdmin):
    list_display = ("name", "code", "short_name", "order", "article_count")
    search_fields = ("name", "code", "short_name")

    def get_queryset(self, request):
        return super().get_queryset(request).annotate(_articles=Count("articles"))

    @admin.display(description="Số bài", ordering="_articles")
    def article_count(self, obj: IctField) -> int:
        return obj._articles


@admin.register(Abbreviation)
class AbbreviationAdmin(VariantsAsLines, admin.ModelAdmin):
    list_display = ("short", "expansion", "variants_column", "enabled")
    list_editable = ("enabled",)
    list_filter = ("enabled",)
    search_fields = ("short", "expansion")

    @admin.display(description="Cách viết khác")
    def variants_column(self, obj: Abbreviation) -> str:
        return ", ".join(obj.variants)
