"""The demo year of sessions and disaster response: realistic volumes, deterministic, replaced on a second run."""

import datetime

from cooperation.demo import demo_user
from cooperation.models import Disaster, Session, SpecialOfficeDay
from cooperation.sessions import demo

DAY = datetime.date(2026, 12, 1)


def _snapshot():
    return list(
        Session.objects.order_by("date", "title", "office_id").values_list("date", "title", "status", "office_id")
    )


def test_demo_year_is_realistic_and_deterministic(master):
    user = demo_user()
    created = demo.generate(user=user, today=DAY, seed=2026)
    week = Session.objects.filter(kind="joint_session", date__month=10, date__year=2026)
    assert week.count() == demo.WEEK_SITES == 157
    assert week.values("office").distinct().count() == 50
    assert created["session series"] > 200
    monthly = Session.objects.filter(kind="commissioner")
    assert monthly.filter(status="held").exclude(activity=None).count() == monthly.filter(status="held").count() > 1000
    assert monthly.filter(status="planned", date__gt=DAY).exists()
    disaster = Disaster.objects.get()
    assert disaster.ended_on is not None and disaster.special_offices.count() >= 8
    assert SpecialOfficeDay.objects.filter(session__disaster=disaster).count() >= 8 * 21
    first = _snapshot()
    demo.generate(user=user, today=DAY, seed=2026)
    assert _snapshot() == first
    assert Disaster.objects.count() == 1


def test_demo_year_survives_the_main_generator_running_again(master):
    """The main generator deletes its activities first (raw SQL); ours go after, in the same transaction."""
    from django.db import transaction

    from cooperation.demo import demo_data_generate

    for _run in range(2):
        with transaction.atomic():
            report = demo_data_generate(years=1, seed=7, prefectures=["01"], today=DAY)
            demo.generate(user=demo_user(), today=DAY, seed=7, prefectures=["01"])
    assert report.created["activities"] > 0
    assert Session.objects.filter(status="held").exclude(activity=None).exists()
    held = Session.objects.filter(status="held").select_related("activity")
    assert all(session.activity.date == session.date for session in held[:50])
