"""Load the provinces, ICT fields and abbreviations the portal starts with."""

from django.db import migrations


def load(apps, schema_editor):
    from articles.reference_data import load as load_reference_data

    load_reference_data(
        apps.get_model("articles", "Province"),
        apps.get_model("articles", "IctField"),
        apps.get_model("articles", "Abbreviation"),
    )


class Migration(migrations.Migration):
    dependencies = [("articles", "0001_initial")]

    operations = [migrations.RunPython(load, migrations.RunPython.noop)]
