"""The index of the search document on OpenSearch: settings and mappings.

Text fields hold the tokens ``articles.analysis`` made; the cluster only
splits them on whitespace (no plugin, no analysis of its own), so a term
is the same term in Whoosh and here. Facet fields are keywords, the year an
integer, ``pub`` the date as a day number for sorting (absent when unknown).
Scoring is BM25 with Whoosh's parameters (k1 1.2, b 0.75).
"""

from __future__ import annotations

import hashlib
from collections.abc import Mapping
from functools import cache
from pathlib import Path

TOKENS = "portal_tokens"
SIMILARITY = "portal_bm25"
STAMP = "portal_stamp"
# Facet values per facet in a response: more than there are provinces.
FACET_SIZE = 200


@cache
def version() -> str:
    """A fingerprint of this mapping: a change makes the cluster's index stale."""
    return hashlib.sha256(Path(__file__).read_bytes()).hexdigest()[:8]


def stored_stamp(stamp: str) -> str:
    """What an index records: the documents' version and this mapping's."""
    return f"{stamp}+{version()}"


def read_stamp(stored: str | None) -> str | None:
    """The documents' version of an index made with this mapping (another
    mapping's index reads as its whole stamp, which matches no version)."""
    if stored and stored.endswith(f"+{version()}"):
        return stored.rsplit("+", 1)[0]
    return stored


def field_kinds(fields: Mapping[str, object]) -> dict[str, dict]:
    """The mapping of each of haystack's search fields (``all_searchfields()``)."""
    properties: dict[str, dict] = {"django_id": {"type": "integer"}}
    for field_class in fields.values():
        name = field_class.index_fieldname
        field_type = field_class.field_type
        if field_type == "analyzed":
            properties[name] = {
                "type": "text",
                "analyzer": TOKENS,
                "similarity": SIMILARITY,
                "index_options": "positions" if field_class.positions else "freqs",
            }
        elif field_type == "integer":
            properties[name] = {"type": "integer"}
        else:
            properties[name] = {"type": "keyword"}
    return properties


def index_body(fields: Mapping[str, object], stamp: str, *, shards: int, replicas: int) -> dict:
    return {
        "settings": {
            "index": {
                "number_of_shards": shards,
                "number_of_replicas": replicas,
                # The last page of results and exports reach 10,000 hits.
                "max_result_window": 20_000,
                "similarity": {SIMILARITY: {"type": "BM25", "k1": 1.2, "b": 0.75}},
                "analysis": {"analyzer": {TOKENS: {"type": "custom", "tokenizer": "whitespace"}}},
            }
        },
        "mappings": {
            "dynamic": "strict",
            "_meta": {STAMP: stored_stamp(stamp)},
            "properties": field_kinds(fields),
        },
    }


def source(document: Mapping[str, object], properties: Mapping[str, dict]) -> dict:
    """The indexed values of a search document: only mapped fields, no empty
    values, and no ``pub`` for an undated article (it sorts last)."""
    out: dict[str, object] = {}
    for name, value in document.items():
        if name not in properties or value is None or value == "":
            continue
        if name == "pub" and not value:
            continue
        if name == "django_id":
            value = int(value)
        out[name] = list(value) if isinstance(value, (set, tuple)) else value
    return out
