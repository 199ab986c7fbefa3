"""Demo referrals (回付) with their steps, as the services would have left them, written in bulk.

- Most go from the local government to its center; some from the center to
  the local government (a local matter that reached the ministry's window),
  some to a serving commissioner of the local government's area (written once
  the register exists, ``commissioners_write``). A local government's first
  referral goes to its center: it is the evidence of its 2-3.
- Each step has the date it took place (``on``) and was recorded a day or two
  later (``at``), with a note: acknowledged, work started, closed with an
  outcome; some were withdrawn before acknowledgement, some reopened with a
  reason and closed again.
- Referrals closed longer ago than ``REFERRAL_RETENTION_DAYS`` are already
  redacted, as the nightly task would have done: no summary, no notes.
"""

from __future__ import annotations

import datetime
import random
from collections import Counter, defaultdict

from django.conf import settings
from django.db.models.functions import Coalesce
from django.utils import timezone

from cooperation.models import Commissioner, Referral, ReferralEvent
from cooperation.referrals.retention import retention_cutoff
from cooperation.schedule import next_run

Action, Status, Outcome, Direction = ReferralEvent.Action, Referral.Status, Referral.Outcome, Referral.Direction
REDACTION_TASK = "cooperation.referrals.tasks.redact_referrals"
FROM_CENTER_SHARE = 0.12
TO_COMMISSIONER_SHARE = 0.2
REOPENED_SHARE = 0.08
# A center passes a local matter on only after a few days of looking into it (never today's: the desk keeps those).
FROM_CENTER_MIN_AGE_DAYS = 10

LOCAL_MATTERS = [
    (Referral.Topic.ROADS, "市道の街路灯が切れたままになっているとの相談（センターの窓口で受付）"),
    (Referral.Topic.ROADS, "町道の側溝の蓋が破損しているとの相談（センターの窓口で受付）"),
    (Referral.Topic.HEALTH, "国民健康保険料の減免の手続についての相談（行政相談週間の相談所で受付）"),
    (Referral.Topic.HEALTH, "地域包括支援センターの窓口の案内を求める相談"),
    (Referral.Topic.DISASTER, "指定避難所の場所が分からないとの相談"),
    (Referral.Topic.OTHER, "ごみの収集日の変更についての相談（国・地方共通相談チャットボット経由）"),
]
ACKNOWLEDGE_NOTES = {
    Direction.TO_CENTER: ["受付。第一相談係が担当する。", "受付。関係機関への照会を検討する。"],
    Direction.TO_COMMISSIONER: [
        "委員から受任の連絡あり（センターが記録）。",
        "委員が受付。定例相談所で対応する（センターが記録）。",
    ],
    Direction.TO_MUNICIPALITY: ["担当課に回付を受け付けた。", "受付。所管課を確認中。"],
}
START_NOTES = {
    Direction.TO_CENTER: ["{agency}に照会した。", "{agency}に事実関係の確認を依頼した。"],
    Direction.TO_COMMISSIONER: ["委員が{agency}に照会した（センターが記録）。", "委員が関係機関と調整を開始。"],
    Direction.TO_MUNICIPALITY: ["所管課が現地を確認した。", "所管課が対応を検討中。"],
}
CLOSE_NOTES = {
    Outcome.RESOLVED: ["{agency}から回答があり、相談者に説明した。", "改善される旨の回答を得て、相談者に伝えた。"],
    Outcome.PASSED_TO_AGENCY: ["{agency}に通知し、以後の対応を依頼した。"],
    Outcome.OUTSIDE_SCOPE: ["係争中の事案で行政相談の対象外のため、法テラスを案内した。"],
}
LOCAL_CLOSE_NOTES = {
    Outcome.RESOLVED: ["補修を行い、センターに結果を連絡した。", "手続を案内し、センターに結果を連絡した。"],
    Outcome.PASSED_TO_AGENCY: ["都道府県の所管課に引き継いだ。"],
    Outcome.OUTSIDE_SCOPE: ["民事上の問題のため、市民相談の窓口を案内した。"],
}
WITHDRAW_NOTES = ["相談者から自己解決したとの連絡があったため取り下げる。", "重複して回付したため取り下げる。"]
REOPEN_REASONS = [
    "回答内容について相談者から追加の問い合わせがあったため再開。",
    "改善が確認できないとの再相談があったため。",
]
RECLOSE_NOTES = ["追加の説明を行い、相談者の了解を得た。", "再度照会し、改善を確認した。"]


class ReferralPlanner:
    """Plans one referral and its steps; nothing after ``now``, every step by the demo user."""

    def __init__(self, *, rng: random.Random, user, now: datetime.datetime):
        self.rng, self.user, self.now = rng, user, now
        self.cutoff = retention_cutoff(now)

    def direction(self, day: datetime.date, *, first: bool) -> str:
        if first:
            return Direction.TO_CENTER
        draw = self.rng.random()
        if draw < FROM_CENTER_SHARE and (self.now.date() - day).days >= FROM_CENTER_MIN_AGE_DAYS:
            return Direction.TO_MUNICIPALITY
        if draw > 1 - TO_COMMISSIONER_SHARE:
            return Direction.TO_COMMISSIONER
        return Direction.TO_CENTER

    def plan(self, referral: Referral, *, outcome: str, keep_open: bool = False) -> list[ReferralEvent]:
        """Walk ``referral`` (filed, not yet saved) through its steps up to ``now``; returns its events."""
        if referral.direction == Direction.TO_MUNICIPALITY:
            referral.topic, referral.summary = self.rng.choice(LOCAL_MATTERS)
            referral.agency = ""
        events = [
            ReferralEvent(
                from_status="",
                to_status=Status.SUBMITTED,
                action=Action.FILED,
                on=referral.received_on,
                at=referral.created_at,
                by=self.user,
            )
        ]
        if keep_open:
            return events
        if outcome == Outcome.WITHDRAWN:
            self._step(referral, events, Action.WITHDRAWN, Status.CLOSED, (0, 3), self.rng.choice(WITHDRAW_NOTES))
            if referral.status == Status.CLOSED:
                referral.outcome = Outcome.WITHDRAWN
            return self._redacted(referral, events)
        notes = [
            (Action.ACKNOWLEDGED, Status.ACKNOWLEDGED, (0, 3), ACKNOWLEDGE_NOTES[referral.direction]),
            (Action.STARTED, Status.IN_PROGRESS, (1, 7), START_NOTES[referral.direction]),
            (Action.CLOSED, Status.CLOSED, (3, 40), self._close_notes(referral)[outcome]),
        ]
        for action, status, lag, choices in notes:
            if not self._step(referral, events, action, status, lag, self.rng.choice(choices)):
                return events
        referral.outcome = outcome
        if outcome == Outcome.RESOLVED and self.rng.random() < REOPENED_SHARE:
            reason = self.rng.choice(REOPEN_REASONS)
            if self._step(referral, events, Action.REOPENED, Status.IN_PROGRESS, (5, 30), reason):
                events[-1].previous = {"outcome": outcome}
                referral.outcome, referral.closed_at = "", None
                if self._step(referral, events, Action.CLOSED, Status.CLOSED, (2, 20), self.rng.choice(RECLOSE_NOTES)):
                    referral.outcome = outcome
        return self._redacted(referral, events)

    def _close_notes(self, referral: Referral) -> dict:
        return LOCAL_CLOSE_NOTES if referral.direction == Direction.TO_MUNICIPALITY else CLOSE_NOTES

    def _step(self, referral, events, action, status, lag, note) -> bool:
        """Add one step ``lag`` days after the previous one, recorded up to two days later; False if after now."""
        previous = events[-1]
        on = previous.on + datetime.timedelta(days=self.rng.randint(*lag))
        at = timezone.make_aware(
            datetime.datetime.combine(
                on + datetime.timedelta(days=self.rng.randint(0, 2)),
                datetime.time(self.rng.randint(9, 17), self.rng.randint(0, 59)),
            )
        )
        at = max(at, previous.at + datetime.timedelta(minutes=30))
        if at > self.now:
            return False
        note = note.format(agency=referral.agency or "関係機関")
        events.append(
            ReferralEvent(
                from_status=referral.status, to_status=status, action=action, on=on, at=at, by=self.user, note=note
            )
        )
        referral.status = status
        timestamp = {Status.ACKNOWLEDGED: "acknowledged_at", Status.IN_PROGRESS: "started_at"}.get(status)
        if timestamp and getattr(referral, timestamp) is None:
            setattr(referral, timestamp, at)
        if status == Status.CLOSED:
            referral.closed_at = at
        return True

    def _redacted(self, referral, events) -> list[ReferralEvent]:
        """Empty the free text as the nightly task would have, if it has run since the retention period ended."""
        if referral.status != Status.CLOSED or referral.closed_at >= self.cutoff:
            return events
        due = referral.closed_at + datetime.timedelta(days=settings.REFERRAL_RETENTION_DAYS)
        ran = next_run(REDACTION_TASK, now=due)
        if ran > self.now:
            return events
        referral.summary, referral.redacted_at = "", ran
        for event in events:
            event.note, event.previous = "", {}
        return events


def commissioners_remove(*, user) -> Counter:
    """Delete the demo's referrals to commissioners (and their steps) before the demo register goes."""
    ours = Referral.objects.filter(created_by=user, direction=Direction.TO_COMMISSIONER).exclude(
        progress_changes__isnull=False
    )
    events = ReferralEvent.objects.filter(referral__in=ours).delete()[0]
    return Counter({"referral events": events, "referrals": ours.delete()[0]})


def write(planned: list[tuple[Referral, list[ReferralEvent]]]) -> tuple[int, int]:
    """Insert the referrals and their events; returns how many of each."""
    Referral.objects.bulk_create([referral for referral, _events in planned], batch_size=1000)
    events = []
    for referral, referral_events in planned:
        for event in referral_events:
            event.referral = referral
            events.append(event)
    ReferralEvent.objects.bulk_create(events, batch_size=2000)
    return len(planned), len(events)


def commissioners_write(planned, *, seed: int) -> Counter:
    """Write the referrals planned for a commissioner, each to one serving in its area and appointed by then.

    Called once the register exists; a referral whose area had nobody serving then is left out.
    """
    rng = random.Random(f"demo-referral-commissioners-{seed}")
    areas = {referral.municipality_id for referral, _events in planned}
    serving = defaultdict(list)
    rows = (
        Commissioner.objects.serving()
        .filter(municipality_id__in=areas)
        .annotate(since=Coalesce("first_appointed_on", "appointed_on"))
        .order_by("municipality_id", "number")
        .values_list("pk", "municipality_id", "since")
    )
    for pk, municipality_id, since in rows:
        serving[municipality_id].append((pk, since))
    kept = []
    for referral, events in planned:
        choices = [pk for pk, since in serving[referral.municipality_id] if since and since <= referral.received_on]
        if choices:
            referral.commissioner_id = rng.choice(choices)
            kept.append((referral, events))
    referrals, events = write(kept)
    return Counter({"referrals": referrals, "referral events": events})
