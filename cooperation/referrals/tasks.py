"""The referrals' task on the queue: the nightly redaction of free text past its retention period."""

from cooperation.schedule import daily_task


@daily_task
def redact_referrals() -> int:
    """Run ``referrals_redact`` nightly (02:30, ``cooperation.schedule.DAILY``); return how many were redacted."""
    from cooperation.referrals.retention import referrals_redact

    return referrals_redact()
