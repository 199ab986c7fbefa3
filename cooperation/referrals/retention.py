"""Retention (保存期間) of referrals' free text: emptied a set time after closing, figures and metadata kept."""

from __future__ import annotations

import datetime

from django.conf import settings
from django.db import transaction
from django.utils import timezone

from cooperation.models import Referral, ReferralEvent
from cooperation.referrals.events import REFERRALS_REDACTED
from offices import events
from offices.db import chunks


def retention_cutoff(now: datetime.datetime | None = None) -> datetime.datetime:
    """Referrals closed before this moment are due: ``REFERRAL_RETENTION_DAYS`` before ``now``."""
    return (now or timezone.now()) - datetime.timedelta(days=settings.REFERRAL_RETENTION_DAYS)


@transaction.atomic
def referrals_redact(*, now: datetime.datetime | None = None, dry_run: bool = False) -> int:
    """Empty the free text of every referral closed longer ago than the retention period; return how many.

    The summary, every step's note and the previous values of edits are
    emptied; the local government, center, direction, dates, topic, agency,
    status and outcome stay, so counts and reports are unchanged. Idempotent:
    a redacted referral is not touched again. Run daily (``manage.py
    redact_referrals``). The system does it, so no policy is asked.
    """
    moment = now or timezone.now()
    ids = list(Referral.objects.due_for_redaction(retention_cutoff(moment)).values_list("pk", flat=True))
    if dry_run or not ids:
        return len(ids)
    for chunk in chunks(ids):
        Referral.objects.filter(pk__in=chunk).update(summary="", redacted_at=moment)
        ReferralEvent.objects.filter(referral_id__in=chunk).exclude(note="", previous={}).update(note="", previous={})
    events.publish(
        REFERRALS_REDACTED,
        actor=None,
        target=str(len(ids)),
        data={"count": len(ids), "retention_days": settings.REFERRAL_RETENTION_DAYS, "referral_ids": ids[:1000]},
    )
    return len(ids)
