"""The editors' group: curate articles, read the reference tables, no user admin."""

from django.apps import apps as global_apps
from django.db import migrations

GROUP = "Biên tập viên"
PERMISSIONS = {
    "article": ("add", "change", "view"),
    "province": ("view",),
    "ictfield": ("view",),
    "abbreviation": ("add", "change", "delete", "view"),
}


def create_group(apps, schema_editor):
    from django.contrib.auth.management import create_permissions

    # Permissions are normally created after all migrations; a fresh
    # database has none yet, so create the articles app's ones now.
    create_permissions(
        global_apps.get_app_config("articles"),
        verbosity=0,
        apps=apps,
        using=schema_editor.connection.alias,
    )
    Group = apps.get_model("auth", "Group")
    Permission = apps.get_model("auth", "Permission")
    group, _ = Group.objects.get_or_create(name=GROUP)
    codenames = [f"{verb}_{model}" for model, verbs in PERMISSIONS.items() for verb in verbs]
    group.permissions.add(
        *Permission.objects.filter(content_type__app_label="articles", codename__in=codenames)
    )


def remove_group(apps, schema_editor):
    apps.get_model("auth", "Group").objects.filter(name=GROUP).delete()


class Migration(migrations.Migration):
    dependencies = [
        ("articles", "0002_reference_data"),
        ("auth", "0012_alter_user_first_name_max_length"),
        ("contenttypes", "0002_remove_content_type_name"),
    ]

    operations = [migrations.RunPython(create_group, remove_group)]
