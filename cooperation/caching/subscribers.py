"""Which generations each committed change bumps (subscribers of offices/events.py, run after commit).

A change bumps the prefectures of every local government it touches, the
prefecture of the center it belongs to, the country, and the prefectural
governments' generation when one of them is touched (the desk compares them
nationwide). A stage change in 北海道 therefore leaves 沖縄's report alone.
Stage changes bump those generations themselves; activities, referrals and
commissioners bump their ``work`` counterparts (generations.work), so a stage
change leaves the counts of activities alone and an activity the stage matrix.
Subscribers run in the process that committed, before its response is sent:
the next request, from any process, finds the new generation.
"""

from __future__ import annotations

from collections.abc import Iterable

from cooperation.caching import generations
from cooperation.caching.events import MASTER_DATA_CHANGED
from cooperation.commissioners import events as commissioner_events
from cooperation.disasters import events as disaster_events
from cooperation.events import ACTIVITY_CHANGED, ACTIVITY_LOGGED, PROGRESS_CHANGED, REFERRAL_FILED, REFERRAL_MOVED
from cooperation.relay import events as relay_events
from offices.events import Event, subscribe

COMMISSIONER_RECORD_EVENTS = (
    commissioner_events.COMMISSIONER_CREATED,
    commissioner_events.COMMISSIONER_CHANGED,
    commissioner_events.COMMISSIONER_RECOMMENDED,
    commissioner_events.COMMISSIONER_APPOINTED,
    commissioner_events.COMMISSIONER_ENDED,
    commissioner_events.COMMISSIONER_AWARDED,
)


def affected(*, municipality_ids: Iterable[int] = (), office_ids: Iterable[int] = ()) -> set[str]:
    """The generations a change to these local governments and centers bumps (two small queries at most)."""
    from offices.models import Municipality, Office

    names = {generations.NATIONAL}
    municipality_ids = [pk for pk in municipality_ids if pk is not None]
    office_ids = [pk for pk in office_ids if pk is not None]
    if municipality_ids:
        for prefecture_id, kind in (
            Municipality.objects.filter(pk__in=municipality_ids).values_list("prefecture_id", "kind").distinct()
        ):
            names.add(generations.prefecture(prefecture_id))
            if kind == Municipality.Kind.PREFECTURE:
                names.add(generations.PREFECTURAL_GOVERNMENTS)
    if office_ids:
        for prefecture_id in Office.objects.filter(pk__in=office_ids).values_list("prefecture_id", flat=True):
            names.add(generations.prefecture(prefecture_id))
    return names


def bump_work(names: Iterable[str]) -> None:
    """Activities, referrals and commissioners: the work generations of what they touch (generations.work)."""
    generations.bump(generations.work(name) for name in names)


@subscribe(PROGRESS_CHANGED)
def progress_changed(event: Event) -> None:
    municipality_ids = event.data.get("municipality_ids", ())
    generations.bump(
        affected(municipality_ids=municipality_ids) | {generations.municipality(pk) for pk in municipality_ids}
    )


@subscribe(relay_events.RELAY_RECORDED)
def relay_recorded(event: Event) -> None:
    """A prefecture's relay of the letter: the panel of its prefectural government (the report's page)."""
    generations.bump([generations.municipality(event.data["municipality_id"])])


@subscribe(ACTIVITY_LOGGED, ACTIVITY_CHANGED)
def activity_changed(event: Event) -> None:
    from cooperation.models import Activity

    municipality_ids = event.data.get("municipality_ids")
    if municipality_ids is None and event.data.get("activity_id"):
        municipality_ids = Activity.municipalities.through.objects.filter(
            activity_id=event.data["activity_id"]
        ).values_list("municipality_id", flat=True)
    bump_work(affected(municipality_ids=municipality_ids or (), office_ids=[event.data.get("office_id")]))


@subscribe(REFERRAL_FILED, REFERRAL_MOVED)
def referral_changed(event: Event) -> None:
    bump_work(affected(municipality_ids=[event.data.get("municipality_id")], office_ids=[event.data.get("office_id")]))


@subscribe(*COMMISSIONER_RECORD_EVENTS)
def commissioner_changed(event: Event) -> None:
    """A commissioner's name shows in cached markup (the desk's open referrals)."""
    bump_work(affected(municipality_ids=[event.data.get("municipality_id")], office_ids=[event.data.get("office_id")]))


@subscribe(disaster_events.DISASTER_DECLARED, disaster_events.DISASTER_CLOSED)
def disaster_changed(event: Event) -> None:
    generations.bump([generations.DISASTERS])


def connect_disaster_signals() -> None:
    """Saves that bypass the services (the admin): the banner's generation is bumped after they commit."""
    from django.db import transaction
    from django.db.models.signals import m2m_changed, post_delete, post_save

    from cooperation.disasters.models import Disaster

    def bump_after_commit(**kwargs) -> None:
        transaction.on_commit(lambda: generations.bump([generations.DISASTERS]))

    # weak=False: the receiver is a local function, which nothing else keeps alive.
    post_save.connect(bump_after_commit, sender=Disaster, weak=False, dispatch_uid="disaster-banner-save")
    post_delete.connect(bump_after_commit, sender=Disaster, weak=False, dispatch_uid="disaster-banner-delete")
    m2m_changed.connect(
        bump_after_commit,
        sender=Disaster.municipalities.through,
        weak=False,
        dispatch_uid="disaster-banner-municipalities",
    )


@subscribe(MASTER_DATA_CHANGED)
def master_data_changed(event: Event) -> None:
    """Names, jurisdictions and items appear in every roll-up: all of them are recomputed."""
    generations.bump([generations.MASTER])


def reset() -> None:
    """Forget every cached roll-up (after restoring a database backup, for instance)."""
    generations.bump([generations.MASTER])
