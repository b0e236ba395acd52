"""Settings for the portal.

Every value that differs between a laptop and production comes from the
environment, with a default that is safe for local use: SQLite and a Whoosh
index under ``PORTAL_DATA_DIR`` (``./data``), DEBUG off unless asked for.
"""

import os
from pathlib import Path

import dj_database_url
from django.core.exceptions import ImproperlyConfigured

BASE_DIR = Path(__file__).resolve().parent.parent


def env_bool(name: str, default: bool = False) -> bool:
    value = os.environ.get(name)
    if value is None:
        return default
    return value.strip().lower() in {"1", "true", "yes", "on"}


def env_list(name: str, default: str = "") -> list[str]:
    return [item.strip() for item in os.environ.get(name, default).split(",") if item.strip()]


DEBUG = env_bool("DEBUG", False)

DATA_DIR = Path(os.environ.get("PORTAL_DATA_DIR", BASE_DIR / "data"))
DATA_DIR.mkdir(parents=True, exist_ok=True)


def secret_key() -> str:
    """SECRET_KEY from the environment, else the installation's key file.

    ``scripts/serve`` writes ``$PORTAL_DATA_DIR/secret_key`` (random, mode
    600) on first run. With neither, only DEBUG runs, on a key every check
    flags as insecure: a production process never signs with a known key.
    """
    key = os.environ.get("SECRET_KEY", "").strip()
    key_file = DATA_DIR / "secret_key"
    if not key and key_file.is_file():
        key = key_file.read_text(encoding="utf-8").strip()
    if key:
        return key
    if DEBUG:
        return "django-insecure-local-debug-only-key"
    raise ImproperlyConfigured(
        f"SECRET_KEY is not set: set the SECRET_KEY environment variable or write a random "
        f"key to {key_file} (bash scripts/serve does this on first run)."
    )


SECRET_KEY = secret_key()

ALLOWED_HOSTS = env_list("ALLOWED_HOSTS", "127.0.0.1,localhost,[::1],testserver")
CSRF_TRUSTED_ORIGINS = env_list("CSRF_TRUSTED_ORIGINS")

INSTALLED_APPS = [
    "django.contrib.admin",
    "django.contrib.auth",
    "django.contrib.contenttypes",
    "django.contrib.sessions",
    "django.contrib.messages",
    "whitenoise.runserver_nostatic",
    "django.contrib.staticfiles",
    "django.contrib.sitemaps",
    "django.contrib.humanize",
    "haystack",
    "articles",
]

MIDDLEWARE = [
    "django.middleware.security.SecurityMiddleware",
    "portal.security.ContentSecurityPolicyMiddleware",
    "whitenoise.middleware.WhiteNoiseMiddleware",
    "django.contrib.sessions.middleware.SessionMiddleware",
    "django.middleware.locale.LocaleMiddleware",
    "django.middleware.common.CommonMiddleware",
    "django.middleware.csrf.CsrfViewMiddleware",
    "django.contrib.auth.middleware.AuthenticationMiddleware",
    "django.contrib.messages.middleware.MessageMiddleware",
    "django.middleware.clickjacking.XFrameOptionsMiddleware",
    "portal.unavailable.SearchUnavailableMiddleware",
]

ROOT_URLCONF = "portal.urls"

TEMPLATES = [
    {
        "BACKEND": "django.template.backends.django.DjangoTemplates",
        "DIRS": [BASE_DIR / "templates"],
        "APP_DIRS": True,
        "OPTIONS": {
            "context_processors": [
                "django.template.context_processors.request",
                "django.contrib.auth.context_processors.auth",
                "django.contrib.messages.context_processors.messages",
            ],
        },
    },
]

WSGI_APPLICATION = "portal.wsgi.application"

DATABASES = {
    "default": dj_database_url.config(
        default=f"sqlite:///{DATA_DIR / 'portal.sqlite3'}",
        conn_max_age=int(os.environ.get("DB_CONN_MAX_AGE", "60")),
    )
}
if DATABASES["default"]["ENGINE"] == "django.db.backends.sqlite3":
    # Several gunicorn workers and the import command write at once: wait for
    # the lock instead of failing, and let readers run beside the writer.
    # IMMEDIATE: a transaction that reads, then writes, takes the write lock
    # up front; upgrading later fails at once ("database is locked") when
    # another process wrote in between.
    DATABASES["default"].setdefault("OPTIONS", {}).update(
        {
            "timeout": 30,
            "transaction_mode": "IMMEDIATE",
            "init_command": "PRAGMA journal_mode=WAL; PRAGMA synchronous=NORMAL;",
        }
    )
    DATABASES["default"]["CONN_MAX_AGE"] = 0

DEFAULT_AUTO_FIELD = "django.db.models.BigAutoField"

AUTH_PASSWORD_VALIDATORS = [
    {"NAME": "django.contrib.auth.password_validation.UserAttributeSimilarityValidator"},
    {"NAME": "django.contrib.auth.password_validation.MinimumLengthValidator"},
    {"NAME": "django.contrib.auth.password_validation.CommonPasswordValidator"},
    {"NAME": "django.contrib.auth.password_validation.NumericPasswordValidator"},
]

LANGUAGE_CODE = "vi"
LANGUAGES = [("vi", "Tiếng Việt")]
TIME_ZONE = "Asia/Ho_Chi_Minh"
USE_I18N = True
USE_TZ = True

STATIC_URL = "static/"
STATIC_ROOT = Path(os.environ.get("STATIC_ROOT", DATA_DIR / "staticfiles"))
STATIC_ROOT.mkdir(parents=True, exist_ok=True)
STATICFILES_DIRS = [BASE_DIR / "static"]
STORAGES = {
    "default": {"BACKEND": "django.core.files.storage.FileSystemStorage"},
    "staticfiles": {
        # Hashed, compressed names: long cache lifetimes, busted on change.
        "BACKEND": "whitenoise.storage.CompressedManifestStaticFilesStorage",
    },
}

# Search: the engine haystack's connection names (articles/search/engines/).
# Whoosh on disk by default; PORTAL_SEARCH_ENGINE=opensearch with OPENSEARCH_URL
# for a cluster (docs/opensearch.md).
PORTAL_SEARCH_ENGINE = os.environ.get("PORTAL_SEARCH_ENGINE", "whoosh").strip().lower()
WHOOSH_INDEX_PATH = Path(os.environ.get("WHOOSH_INDEX_PATH", DATA_DIR / "whoosh_index"))
if PORTAL_SEARCH_ENGINE == "whoosh":
    HAYSTACK_CONNECTIONS = {
        "default": {
            "ENGINE": "articles.search.engines.whoosh.haystack.WhooshHaystackEngine",
            "PATH": str(WHOOSH_INDEX_PATH),
        },
    }
elif PORTAL_SEARCH_ENGINE == "opensearch":
    if not os.environ.get("OPENSEARCH_URL"):
        raise ImproperlyConfigured("PORTAL_SEARCH_ENGINE=opensearch needs OPENSEARCH_URL.")
    HAYSTACK_CONNECTIONS = {
        "default": {
            "ENGINE": "articles.search.engines.opensearch.haystack.OpenSearchHaystackEngine",
            "URL": os.environ["OPENSEARCH_URL"],
            "INDEX_NAME": os.environ.get("OPENSEARCH_INDEX", "portal-articles"),
            "SHARDS": int(os.environ.get("OPENSEARCH_SHARDS", "1")),
            "REPLICAS": int(os.environ.get("OPENSEARCH_REPLICAS", "0")),
            "TIMEOUT": float(os.environ.get("OPENSEARCH_TIMEOUT", "10")),
        },
    }
else:
    raise ImproperlyConfigured(
        f"PORTAL_SEARCH_ENGINE={PORTAL_SEARCH_ENGINE!r}: use 'whoosh' or 'opensearch'."
    )
# After a rebuild, each serving process readies the new index for at most
# this many seconds (replaying its recent searches) before reading it; 0
# reads it cold at once (articles/search/engines/whoosh/warming.py).
PORTAL_WARM_SECONDS = float(os.environ.get("PORTAL_WARM_SECONDS", "60"))
# Index writes go through the queue drained after commit (articles/search/index/queue.py).
HAYSTACK_SIGNAL_PROCESSOR = "articles.search.index.queue.QueuedSignalProcessor"
HAYSTACK_SEARCH_RESULTS_PER_PAGE = 20
HAYSTACK_CUSTOM_HIGHLIGHTER = "articles.search.highlight.EscapingHighlighter"

# How long an index writer waits for Whoosh's write lock before leaving the
# change queued for whichever process holds it.
PORTAL_INDEX_LOCK_TIMEOUT = float(os.environ.get("PORTAL_INDEX_LOCK_TIMEOUT", "10"))
# Files larger than this are refused by the importer.
PORTAL_IMPORT_MAX_BYTES = int(os.environ.get("PORTAL_IMPORT_MAX_BYTES", str(5 * 1024 * 1024)))
PORTAL_SEARCH_PAGE_SIZE = 20
PORTAL_EXPORT_MAX_ROWS = int(os.environ.get("PORTAL_EXPORT_MAX_ROWS", "10000"))
# Exports running at once on the whole server (articles/limits.py); more wait (429).
# An export holds a gunicorn worker for a second or more: with half the workers
# at most, the others stay free for searches (bench/pressure.py: with 2 workers
# and 2 slots, search p95 went from 24 ms to 2.9 s under exports; with 1 slot, 51 ms).
PORTAL_EXPORT_SLOTS = int(
    os.environ.get(
        "PORTAL_EXPORT_SLOTS", str(max(1, int(os.environ.get("WEB_CONCURRENCY", "2")) // 2))
    )
)
# Wrong admin passwords allowed per address and user name within the window
# (portal/login_throttle.py); beyond, logins are refused (429) until it passes.
PORTAL_LOGIN_MAX_FAILURES = int(os.environ.get("PORTAL_LOGIN_MAX_FAILURES", "5"))
PORTAL_LOGIN_WINDOW_SECONDS = int(os.environ.get("PORTAL_LOGIN_WINDOW_SECONDS", "900"))

# -- production switches ------------------------------------------------------
#
# PORTAL_HTTPS=1 when the portal is served over HTTPS: HTTP is redirected,
# cookies are sent over HTTPS only and browsers are told (HSTS) to use HTTPS
# for PORTAL_HSTS_SECONDS. Behind a proxy that terminates TLS, also set
# PORTAL_BEHIND_PROXY=1 so that its X-Forwarded-Proto header is believed.
SESSION_COOKIE_HTTPONLY = True
SECURE_CONTENT_TYPE_NOSNIFF = True
SECURE_REFERRER_POLICY = "same-origin"
X_FRAME_OPTIONS = "DENY"
PORTAL_HTTPS = env_bool("PORTAL_HTTPS", False)
SECURE_SSL_REDIRECT = PORTAL_HTTPS
SESSION_COOKIE_SECURE = PORTAL_HTTPS
CSRF_COOKIE_SECURE = PORTAL_HTTPS
SECURE_HSTS_SECONDS = int(os.environ.get("PORTAL_HSTS_SECONDS", "31536000")) if PORTAL_HTTPS else 0
SECURE_HSTS_INCLUDE_SUBDOMAINS = PORTAL_HTTPS and env_bool("PORTAL_HSTS_SUBDOMAINS", True)
# The header's preload flag alone enrolls nothing; submitting the domain to
# the browsers' list is a separate, deliberate step.
SECURE_HSTS_PRELOAD = PORTAL_HTTPS and env_bool("PORTAL_HSTS_PRELOAD", True)
PORTAL_BEHIND_PROXY = env_bool("PORTAL_BEHIND_PROXY", False)
if PORTAL_BEHIND_PROXY:
    SECURE_PROXY_SSL_HEADER = ("HTTP_X_FORWARDED_PROTO", "https")

# Content-Security-Policy of every response (portal/security.py): the pages
# load their script, styles and images from the site itself, nothing inline.
PORTAL_CSP = os.environ.get(
    "PORTAL_CSP",
    "default-src 'self'; script-src 'self'; style-src 'self'; img-src 'self' data:; "
    "font-src 'self'; connect-src 'self'; object-src 'none'; base-uri 'none'; "
    "form-action 'self'; frame-ancestors 'none'",
)
# Django's admin sets a few inline styles (widgets, the changelist's filters).
PORTAL_ADMIN_CSP = os.environ.get(
    "PORTAL_ADMIN_CSP", PORTAL_CSP.replace("style-src 'self'", "style-src 'self' 'unsafe-inline'")
)

# -- logging --------------------------------------------------------------------
#
# Everything to stderr, which gunicorn and systemd keep: our own messages,
# and Django's, so that every 500 leaves its traceback (django.request).
LOG_LEVEL = os.environ.get("PORTAL_LOG_LEVEL", "INFO")
LOGGING = {
    "version": 1,
    "disable_existing_loggers": False,
    "formatters": {
        "plain": {"format": "%(asctime)s %(levelname)s %(name)s [%(process)d] %(message)s"},
    },
    "handlers": {"console": {"class": "logging.StreamHandler", "formatter": "plain"}},
    "root": {"handlers": ["console"], "level": "WARNING"},
    "loggers": {
        "articles": {"level": LOG_LEVEL},
        "portal": {"level": LOG_LEVEL},
        "django": {"handlers": ["console"], "level": "INFO", "propagate": False},
        "django.server": {"handlers": ["console"], "level": "INFO", "propagate": False},
    },
}
