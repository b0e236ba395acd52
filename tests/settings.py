"""Settings for the test suite: the portal's own, with a key for signing.

Production refuses to start without SECRET_KEY (portal/settings.py); tests,
and the servers they start in subprocesses, get a throwaway one.
"""

import os

os.environ.setdefault("SECRET_KEY", "tests-only-" + "k" * 48)

from portal.settings import *  # noqa: F403
