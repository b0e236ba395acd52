"""The Whoosh schema of the search document.

Facet and filter fields (``province``, ``year``, ``fields``) are whole-value
ID/KEYWORD fields, so "Hà Nội" is one value, not "hà" and "nội". Text fields
hold pre-analyzed tokens (``articles.analysis``) and are split on spaces
only, which is also all another engine needs to index them.
"""

from __future__ import annotations

from collections import Counter

from whoosh.analysis import RegexTokenizer
from whoosh.fields import ID as WHOOSH_ID
from whoosh.fields import KEYWORD, NUMERIC, TEXT, Schema
from whoosh.formats import Frequency, Positions

from articles.analysis import analyze
from articles.search.engines.whoosh.compat import encode_frequency

ID = "id"
DJANGO_CT = "django_ct"
DJANGO_ID = "django_id"


class TokenAnalyzer:
    """Whoosh analyzer for pre-analyzed text: split on whitespace.

    Query strings that reach Whoosh's own parser are normalized the same way
    (NFC, tone placement, lowercase) so that they match what was indexed.
    """

    def __init__(self, folded: bool = False) -> None:
        self.folded = folded
        self._tokenizer = RegexTokenizer(r"\S+")

    def __call__(self, value, **kwargs):
        if kwargs.get("mode") == "query":
            tokens = analyze(value, use_segmenter=False)
            value = " ".join(tokens.folded if self.folded else tokens.syllables)
        yield from self._tokenizer(value, **kwargs)

    def __eq__(self, other) -> bool:
        return isinstance(other, TokenAnalyzer) and other.folded == self.folded


class PreAnalyzedText(TEXT):
    """A TEXT field whose indexed value is already a string of tokens.

    Indexing splits on whitespace directly instead of going through Whoosh's
    token objects, which is several times faster and writes exactly the same
    postings (same terms, frequencies, weights and encoded positions).
    """

    def index(self, value, **kwargs):
        fmt = self.format
        if not isinstance(value, str) or type(fmt) not in (Positions, Frequency):
            yield from super().index(value, **kwargs)
            return
        boost = fmt.field_boost
        if type(fmt) is Positions:
            positions: dict[str, list[int]] = {}
            for position, token in enumerate(value.split()):
                seen = positions.get(token)
                if seen is None:
                    positions[token] = [position]
                else:
                    seen.append(position)
            encode = fmt.encode
            for token, poslist in positions.items():
                freq = len(poslist)
                yield token.encode("utf-8"), freq, float(freq) * boost, encode(poslist)
        else:
            for token, freq in Counter(value.split()).items():
                yield token.encode("utf-8"), freq, float(freq) * boost, encode_frequency(freq)

    def token_counts(self, value) -> Counter | None:
        """Each token's count, when that is all its postings hold (an
        unboosted frequency field): what ``compat.SegmentBuilder`` keeps,
        without a tuple per posting."""
        fmt = self.format
        if isinstance(value, str) and type(fmt) is Frequency and fmt.field_boost == 1.0:
            return Counter(value.split())
        return None


def analyzed_text_field(positions: bool, folded: bool, boost: float = 1.0) -> TEXT:
    text_field = PreAnalyzedText(
        analyzer=TokenAnalyzer(folded), phrase=positions, field_boost=boost
    )
    text_field.format = Positions() if positions else Frequency()
    return text_field


def build_schema(fields) -> tuple[str, Schema]:
    """(name of the document field, schema) for haystack's field definitions."""
    schema_fields = {
        ID: WHOOSH_ID(stored=True, unique=True),
        DJANGO_CT: WHOOSH_ID(stored=True),
        DJANGO_ID: WHOOSH_ID(stored=True),
    }
    content_field_name = ""
    for field_class in fields.values():
        name = field_class.index_fieldname
        field_type = field_class.field_type
        is_facet = getattr(field_class, "facet_for", None) or field_class.faceted
        if field_type == "analyzed":
            schema_fields[name] = analyzed_text_field(
                positions=field_class.positions,
                folded=name.endswith("folded"),
                boost=field_class.boost,
            )
        elif field_type == "keywords" or (is_facet and field_class.is_multivalued):
            schema_fields[name] = KEYWORD(commas=True, lowercase=False, scorable=False)
        elif is_facet or (field_type == "string" and not field_class.document):
            schema_fields[name] = WHOOSH_ID(stored=False)
        elif field_type == "integer":
            schema_fields[name] = NUMERIC(numtype=int, bits=32, sortable=True, signed=False)
        else:
            schema_fields[name] = TEXT(analyzer=TokenAnalyzer(), phrase=False)
        if field_class.document:
            content_field_name = name
    return content_field_name, Schema(**schema_fields)
