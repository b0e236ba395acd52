"""The search document of an article.

Text fields hold the output of ``articles.analysis``: whitespace-separated
tokens that need no engine-side analysis beyond splitting on spaces. Facet
and filter fields hold whole values (slugs, codes, years).
"""

from __future__ import annotations

from itertools import pairwise

from haystack import indexes

from articles import analysis_store
from articles.analysis import Analysis, analyze
from articles.models import Article, DatePrecision
from articles.provinces import metadata_token, unit_token

# Stands between title and body so that no phrase spans the two; queries
# never produce it (analysis drops tokens without letters or digits).
TITLE_BREAK = "¶"


class AnalyzedField(indexes.CharField):
    """Pre-analyzed tokens; ``positions`` keeps them for phrase queries."""

    field_type = "analyzed"

    def __init__(self, positions: bool = True, **kwargs) -> None:
        self.positions = positions
        kwargs.setdefault("null", True)
        super().__init__(**kwargs)


class KeywordsField(indexes.MultiValueField):
    """Whole values, several per document (the ICT fields)."""

    field_type = "keywords"


def pairs(tokens: list[str]) -> list[str]:
    """Adjacent syllables as one token ("chuyển_đổi", "đổi_số"): a query's
    words in a row score as a run, above the same words scattered."""
    return [f"{a}_{b}" for a, b in pairwise(tokens)]


def metadata_text(article: Article) -> str:
    """What the article is filed under, as searchable words: its province (every
    spelling, and the unit it belongs to since 2025), its ICT fields and its
    year.

    A page from a province's newspaper that never prints the province's name
    is still found by it. Today's unit has a token of its own: a Long An
    article answers "Tây Ninh" only after Tây Ninh's own (``planner``).
    """
    names: list[str] = []
    tokens: list[str] = []
    if article.province_id:
        province = article.province
        names += [province.name, *province.variants]
        # The whole name as one token: a query naming the province (in any
        # spelling) asks for exactly this.
        tokens.append(metadata_token(province.name))
        if province.unit_2025:
            tokens.append(unit_token(province.unit_2025))
    for field in article.ict_fields:
        names += [field.name, field.short_name]
    if article.year:
        names.append(str(article.year))
    for name in dict.fromkeys(n for n in names if n):
        folded = analyze(name, use_segmenter=False).folded
        tokens += folded + pairs(folded)
    return " ".join(tokens)


class ArticleIndex(indexes.SearchIndex, indexes.Indexable):
    text = AnalyzedField(document=True)
    text_folded = AnalyzedField()
    words = AnalyzedField(positions=False)
    words_folded = AnalyzedField(positions=False)
    pairs = AnalyzedField(positions=False)
    pairs_folded = AnalyzedField(positions=False)
    title_syllables = AnalyzedField()
    title_folded = AnalyzedField()
    meta = AnalyzedField(positions=False)
    province = indexes.CharField(null=True, faceted=True)
    year = indexes.IntegerField(null=True, faceted=True)
    # "fields" itself is taken by SearchIndex (its declared fields).
    ict_fields = KeywordsField(faceted=True, index_fieldname="fields")
    # Days since 0001-01-01 for sorting and recency; 0 when the date is unknown.
    pub = indexes.IntegerField(default=0)

    def get_model(self) -> type[Article]:
        return Article

    def index_queryset(self, using=None):
        return Article.objects.published().with_relations()

    def read_queryset(self, using=None):
        return Article.objects.with_relations()

    def full_prepare(self, obj: Article) -> dict:
        # Title and body analysed once per document, not once per field, and
        # read back from where it was kept when still valid (a batch brings
        # them all at once: ``document.documents``).
        pair = getattr(obj, "prepared_analysis", None)
        self._analysis_cache = pair or analysis_store.analyses([obj])[obj.pk]
        try:
            return super().full_prepare(obj)
        finally:
            del self._analysis_cache

    def _analyses(self, obj: Article) -> tuple[Analysis, Analysis]:
        cached = getattr(self, "_analysis_cache", None)
        return cached if cached is not None else (analyze(obj.title), analyze(obj.body))

    def prepare_text(self, obj: Article) -> str:
        title, body = self._analyses(obj)
        return " ".join([*title.syllables, TITLE_BREAK, *body.syllables])

    def prepare_text_folded(self, obj: Article) -> str:
        title, body = self._analyses(obj)
        return " ".join([*title.folded, TITLE_BREAK, *body.folded])

    def prepare_words(self, obj: Article) -> str:
        title, body = self._analyses(obj)
        return " ".join(title.words + body.words)

    def prepare_words_folded(self, obj: Article) -> str:
        title, body = self._analyses(obj)
        return " ".join(title.words_folded + body.words_folded)

    def prepare_pairs(self, obj: Article) -> str:
        title, body = self._analyses(obj)
        return " ".join(pairs(title.syllables) + pairs(body.syllables))

    def prepare_pairs_folded(self, obj: Article) -> str:
        title, body = self._analyses(obj)
        return " ".join(pairs(title.folded) + pairs(body.folded))

    def prepare_meta(self, obj: Article) -> str:
        return metadata_text(obj)

    def prepare_title_syllables(self, obj: Article) -> str:
        return " ".join(self._analyses(obj)[0].syllables)

    def prepare_title_folded(self, obj: Article) -> str:
        return " ".join(self._analyses(obj)[0].folded)

    def prepare_province(self, obj: Article) -> str | None:
        return obj.province.slug if obj.province_id else None

    def prepare_year(self, obj: Article) -> int | None:
        return obj.year

    def prepare_ict_fields(self, obj: Article) -> list[str]:
        return sorted(f.code for f in obj.ict_fields)

    def prepare_pub(self, obj: Article) -> int:
        if obj.date is None or obj.date_precision == DatePrecision.UNKNOWN:
            return 0
        return obj.date.toordinal()
