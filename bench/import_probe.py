"""Import rate of the real import pipeline, measured in a scratch database.

Run by ``bench/run.py`` in its own process with ``PORTAL_DATA_DIR`` pointing
at an empty scratch folder:

    python bench/import_probe.py FOLDER_OF_TEXT_FILES [WORKERS]

Prints one JSON object: articles stored, seconds, articles/s. Index updates
are deferred (queued only): the rate is parse + database, as the benchmark
defines it; indexing is measured by the build.
"""

from __future__ import annotations

import json
import os
import sys
import time
from pathlib import Path

REPO = Path(__file__).resolve().parents[1]
sys.path.insert(0, str(REPO))
os.environ.setdefault("DJANGO_SETTINGS_MODULE", "portal.settings")


def main() -> None:
    import django

    django.setup()
    from django.core.management import call_command

    call_command("migrate", verbosity=0)
    from articles.importer.pipeline import import_paths
    from articles.models import Article
    from articles.search.index.queue import indexing_deferred

    folder = Path(sys.argv[1])
    workers = int(sys.argv[2]) if len(sys.argv) > 2 else 1
    started = time.perf_counter()
    with indexing_deferred():
        import_paths([folder], update_index=False, workers=workers)
    seconds = time.perf_counter() - started
    count = Article.objects.count()
    files = sum(1 for _ in folder.iterdir())
    print(
        json.dumps(
            {
                "files": files,
                "workers": workers,
                "articles": count,
                "seconds": round(seconds, 2),
                "rate": round(count / seconds, 1) if seconds else 0.0,
            }
        )
    )


if __name__ == "__main__":
    main()
