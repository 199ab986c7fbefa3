"""Previews waiting to be applied: the uploaded files kept under PRIVATE_MEDIA_ROOT, capped and pruned.

Each user's kept files sit in ``survey_uploads/<user id>/<sha256>``. At most
``SURVEY_KEPT_UPLOADS_PER_USER`` are kept per user (the oldest go first when
another is kept), none longer than ``SURVEY_KEPT_UPLOAD_HOURS``: every
upload prunes its user's folder, and ``manage.py prune_survey_uploads``
(run from cron, e.g. hourly) prunes every folder, so the files of a user who
never comes back do not stay.
"""

from __future__ import annotations

import time
from pathlib import Path

from django.conf import settings

UPLOAD_DIR = "survey_uploads"


def root() -> Path:
    return Path(settings.PRIVATE_MEDIA_ROOT) / UPLOAD_DIR


def max_age_seconds() -> int:
    return settings.SURVEY_KEPT_UPLOAD_HOURS * 60 * 60


def prune_folder(folder: Path, *, keep: int | None = None, newest: Path | None = None, now: float | None = None) -> int:
    """Remove files older than the maximum age and, with ``keep``, all but the ``keep`` newest; returns how many.

    ``newest`` (the file just kept) counts as the newest whatever the clock's resolution.
    """
    if not folder.is_dir():
        return 0
    now = time.time() if now is None else now
    files = sorted(
        ((path.stat().st_mtime, path) for path in folder.iterdir() if path.is_file()),
        key=lambda entry: (entry[1] != newest, -entry[0]),
    )
    removed = 0
    for position, (mtime, path) in enumerate(files):
        if now - mtime > max_age_seconds() or (keep is not None and position >= keep):
            path.unlink(missing_ok=True)
            removed += 1
    if not any(folder.iterdir()):
        folder.rmdir()
    return removed


def prune_all(*, now: float | None = None) -> int:
    """Prune every user's folder by age; returns how many files were removed."""
    base = root()
    if not base.is_dir():
        return 0
    return sum(prune_folder(folder, now=now) for folder in base.iterdir() if folder.is_dir())
