"""Add the abbreviations of articles/data/abbreviations.json that are missing.

Entries already there (and an editor's changes to them) are left alone.
"""

import json
from pathlib import Path

from django.db import migrations

DATA = Path(__file__).resolve().parent.parent / "data" / "abbreviations.json"


def add_missing(apps, schema_editor):
    Abbreviation = apps.get_model("articles", "Abbreviation")
    for row in json.loads(DATA.read_text(encoding="utf-8")):
        Abbreviation.objects.get_or_create(short=row["short"], defaults=row)


class Migration(migrations.Migration):
    dependencies = [("articles", "0005_drop_is_synthetic")]

    operations = [migrations.RunPython(add_missing, migrations.RunPython.noop)]
