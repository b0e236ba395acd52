from django.apps import AppConfig
from django.conf import settings


class ArticlesConfig(AppConfig):
    name = "articles"
    verbose_name = "Kho bài viết"
    default_auto_field = "django.db.models.BigAutoField"

    def ready(self) -> None:
        # Connect the signal handlers: index queue, suggestion refresh.
        from articles import segmenter, signals, suggest  # noqa: F401

        # The parts that read libraries' internals refuse to start on a
        # version they were not written for, rather than go wrong quietly.
        segmenter.check()
        engine = settings.HAYSTACK_CONNECTIONS["default"]["ENGINE"]
        if ".whoosh." in engine:
            from articles.search.engines.whoosh import compat

            compat.check()
