"""The register's task on the queue: announcing the terms that end in 90 and in 30 days, once a day."""

from cooperation.schedule import daily_task


@daily_task
def announce_commissioner_terms() -> int:
    """Run ``commissioner_terms_ending_announce`` for today (06:00, ``cooperation.schedule.DAILY``)."""
    from cooperation.commissioners.services import commissioner_terms_ending_announce

    return commissioner_terms_ending_announce()
