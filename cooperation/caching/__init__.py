"""Roll-ups cached per scope and parameters, invalidated exactly by the domain events that change them.

The expensive computations behind the dashboard, the prefecture report and the
center desk are wrapped with :func:`cached` (``cooperation/caching/rollups.py``).
Every entry depends on a few *generations* (``generations.py``): one per
prefecture, one for the prefectural governments (the desk compares them
nationwide), one for the whole country and one for the master data. The
subscribers in ``subscribers.py`` give a new generation to each prefecture a
committed change touches, so the next request — from any worker, on any
machine sharing the cache — misses and recomputes. There is no timeout that
could serve stale figures: an entry's own timeout only bounds memory.

The cache is Django's ``default`` cache, configured by ``DJANGO_CACHE_URL``
(Redis in production, the database cache for ``make run``); it must be shared
by every process, never a per-process memory cache.
"""
