"""The provinces, ICT fields and abbreviations the archive starts with.

Loaded by migration 0002 and, in tests, again after a test that flushes the
database. The data itself lives in ``articles/data/*.json``.
"""

from __future__ import annotations

import json
from pathlib import Path

DATA = Path(__file__).resolve().parent / "data"


def load(province_model, field_model, abbreviation_model) -> None:
    """Create or update the rows; takes models so migrations can pass theirs."""
    for row in json.loads((DATA / "provinces.json").read_text(encoding="utf-8")):
        province_model.objects.update_or_create(slug=row["slug"], defaults=row)
    for row in json.loads((DATA / "fields.json").read_text(encoding="utf-8")):
        field_model.objects.update_or_create(code=row["code"], defaults=row)
    for row in json.loads((DATA / "abbreviations.json").read_text(encoding="utf-8")):
        abbreviation_model.objects.update_or_create(short=row["short"], defaults=row)


def ensure_loaded() -> None:
    from articles.models import Abbreviation, IctField, Province

    if not Province.objects.exists() or not IctField.objects.exists():
        load(Province, IctField, Abbreviation)
