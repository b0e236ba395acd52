"""Load the provinces, ICT fields and abbreviations the portal starts with."""

import json
from pathlib import Path

from django.db import migrations

DATA = Path(__file__).resolve().parent.parent / "data"


def load(apps, schema_editor):
    Province = apps.get_model("articles", "Province")
    IctField = apps.get_model("articles", "IctField")
    Abbreviation = apps.get_model("articles", "Abbreviation")
    for row in json.loads((DATA / "provinces.json").read_text(encoding="utf-8")):
        Province.objects.update_or_create(slug=row["slug"], defaults=row)
    for row in json.loads((DATA / "fields.json").read_text(encoding="utf-8")):
        IctField.objects.update_or_create(code=row["code"], defaults=row)
    for row in json.loads((DATA / "abbreviations.json").read_text(encoding="utf-8")):
        Abbreviation.objects.update_or_create(short=row["short"], defaults=row)


class Migration(migrations.Migration):
    dependencies = [("articles", "0001_initial")]

    operations = [migrations.RunPython(load, migrations.RunPython.noop)]
