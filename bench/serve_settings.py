"""Settings for the load test's gunicorn: the site's own settings, static files collected into a temp folder.

STATIC_ROOT is the only difference (``BENCH_STATIC_ROOT``), so the benchmark
never writes into the checkout's staticfiles/ while others use it.
"""

import os

from cooperation.settings import *  # noqa: F403

STATIC_ROOT = os.environ["BENCH_STATIC_ROOT"]
