"""Point this process (and only this process) at the benchmark database, then start Django.

The benchmark never touches the developer's database: ``DATABASE_URL`` is set
in ``os.environ`` of the benchmark process before Django reads its settings,
and child processes (gunicorn in the load test) get their own environment.
"""

from __future__ import annotations

import os
import time
from urllib.parse import urlsplit, urlunsplit

DEFAULT_YEARS = 10
DEFAULT_SEED = 2026
DEFAULT_URL = "postgres://postgres@127.0.0.1:5432/coop_bench"
SECRET_KEY = "bench-only-secret-key-never-used-outside-the-loopback-benchmark-0123456789"


def years() -> int:
    return int(os.environ.get("BENCH_YEARS", DEFAULT_YEARS))


def seed() -> int:
    return int(os.environ.get("BENCH_SEED", DEFAULT_SEED))


def generator() -> str:
    return os.environ.get("BENCH_GENERATOR", "auto")


def scale() -> float | None:
    value = os.environ.get("BENCH_SCALE")
    return float(value) if value else None


def database_url(for_years: int | None = None) -> str:
    """BENCH_DATABASE_URL, else coop_bench (ten years) or coop_bench_yN, so sizes never evict each other."""
    explicit = os.environ.get("BENCH_DATABASE_URL")
    if explicit:
        return explicit
    size = years() if for_years is None else for_years
    return DEFAULT_URL if size == DEFAULT_YEARS else with_database_name(DEFAULT_URL, f"coop_bench_y{size}")


def database_name(url: str) -> str:
    return urlsplit(url).path.lstrip("/")


def with_database_name(url: str, name: str) -> str:
    parts = urlsplit(url)
    return urlunsplit((parts.scheme, parts.netloc, "/" + name, parts.query, parts.fragment))


def production_like_environment(url: str) -> dict[str, str]:
    """Variables that run the site as it runs in production (DEBUG off), on loopback, over plain HTTP."""
    return {
        "DATABASE_URL": url,
        "DJANGO_DEBUG": "0",
        "DJANGO_SECRET_KEY": SECRET_KEY,
        "DJANGO_ALLOWED_HOSTS": "127.0.0.1,localhost,testserver",
        "DJANGO_SECURE_SSL_REDIRECT": "0",
        "DJANGO_LOG_LEVEL": os.environ.get("DJANGO_LOG_LEVEL", "ERROR"),
        # The shared cache of production (Redis), under a key prefix of its own per run: entries of an
        # earlier run were drawn from other data (issue 18).
        "DJANGO_CACHE_URL": os.environ.get("BENCH_CACHE_URL", "redis://127.0.0.1:6379/14"),
        "DJANGO_CACHE_KEY_PREFIX": f"bench-{os.getpid()}-{time.time_ns()}",
        # make bench times the computations themselves (the floors are SQL); the load test turns the cache on.
        "DJANGO_ROLLUP_CACHE": os.environ.get("BENCH_ROLLUP_CACHE", "0"),
    }


def setup(url: str) -> None:
    """Configure this process for ``url`` with production settings and start Django."""
    os.environ.update(production_like_environment(url))
    os.environ.setdefault("DJANGO_SETTINGS_MODULE", "cooperation.settings")
    import warnings

    import django
    from django.conf import settings

    # WhiteNoise warns that STATIC_ROOT was never collected: in-process requests do not serve static files.
    warnings.filterwarnings("ignore", message="No directory at", category=UserWarning)
    django.setup()
    # In-process requests render templates that call {% static %}; the manifest
    # storage of production would need collectstatic first, and resolving a
    # static URL is not what is being measured.
    settings.STORAGES = {
        **settings.STORAGES,
        "staticfiles": {"BACKEND": "django.contrib.staticfiles.storage.StaticFilesStorage"},
    }
