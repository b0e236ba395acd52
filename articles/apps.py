from django.apps import AppConfig


class ArticlesConfig(AppConfig):
    name = "articles"
    verbose_name = "Kho bài viết"
    default_auto_field = "django.db.models.BigAutoField"

    def ready(self) -> None:
        # Connect the signal handlers: index queue, suggestion refresh.
        from articles import signals, suggest  # noqa: F401
