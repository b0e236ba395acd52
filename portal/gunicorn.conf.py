"""gunicorn settings: ``gunicorn -c portal/gunicorn.conf.py portal.wsgi``."""

import os

bind = os.environ.get("PORTAL_BIND", "127.0.0.1:8000")
workers = int(os.environ.get("WEB_CONCURRENCY", "2"))
preload_app = True
timeout = 60
# Access and error logs go to stderr; PORTAL_ACCESS_LOG=0 turns the access log off.
_access = os.environ.get("PORTAL_ACCESS_LOG", "1").strip().lower()
accesslog = None if _access in {"0", "off", "no", "false"} else "-"
errorlog = "-"


def on_starting(server) -> None:
    # pyvi writes its model to a temporary file when imported; if forked
    # workers inherit it untouched, the first worker to exit deletes the file
    # under the others. Tokenizing once in the parent avoids that.
    from articles.segmenter import tokenize

    tokenize("khởi động")


def post_fork(server, worker) -> None:
    # Each worker opens its own Whoosh searcher and database connections.
    from django.db import connections

    for conn in connections.all():
        conn.close()

    # Retries index changes whose after-commit drain found the lock held.
    from articles.search.index.queue import start_keeper

    start_keeper()
