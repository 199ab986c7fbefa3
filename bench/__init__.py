"""National-scale benchmark and load test (issue 7).

``python -m bench.run`` (``make bench``) builds ten fiscal years of data for
all 1,788 local governments in a separate PostgreSQL database and measures
every main operation side by side with the Django admin and the bare SQL
floor; ``python -m bench.loadtest`` (``make loadtest``) drives gunicorn with
50 concurrent users. See docs/benchmarks.md.

The package is not part of the installed site: it runs from the checkout.
"""
