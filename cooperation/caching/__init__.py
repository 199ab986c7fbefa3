"""Roll-ups cached per scope and parameters, invalidated exactly by the domain events that change them.

The expensive computations behind the dashboard, the prefecture report and the
center desk are wrapped with :func:`cached` (``cooperation/caching/rollups.py``).
Every entry depends on a few *generations* (``generations.py``): one per
prefecture, one for the prefectural governments (the desk compares them
nationwide), one for the whole country and one for the master data; each of
the first three has a *work* counterpart (``generations.work``) for the
activities, referrals and commissioners, so a stage change never recomputes
a count of activities nor an activity a stage matrix; one per local
government (its stages and relay records: the relay panel), and one for the
disaster banner. The subscribers in ``subscribers.py`` give a new generation
to what a committed change touches, so the next request — from any worker, on
any machine sharing the cache — misses and recomputes. Rendered markup is
kept the same way (the desk's sections, the matrix, the relay panel): what is
the request's own in it (the CSRF token, the path) is a placeholder filled in
per request (``placeholders.py``). There is no timeout that
could serve stale figures: an entry's own timeout only bounds memory.

The cache is Django's ``default`` cache, configured by ``DJANGO_CACHE_URL``
(Redis in production, the database cache for ``make run``); it must be shared
by every process, never a per-process memory cache.
"""
