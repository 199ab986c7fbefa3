"""The desk's sections are cached as markup (issue 18): the request's own values are filled in, changes show at once.

The overdue follow-ups hold a POST form per row: its CSRF token and ``next``
path are placeholders in the cached markup (cooperation/caching/placeholders.py),
so each viewer gets a token that its own session accepts, and a viewer of the
same scope never receives another's.
"""

import datetime
import re
from http import HTTPStatus

import pytest
from django.test import Client

from cooperation.activities.services import activity_create
from cooperation.caching import placeholders
from cooperation.commissioners.services import commissioner_create, commissioner_update
from cooperation.fiscal import today
from cooperation.models import Activity, RequestItem
from cooperation.referrals.services import referral_create
from offices.models import Office, Role, User

pytestmark = pytest.mark.django_db

DESK = "/offices/sapporo/"


@pytest.fixture(autouse=True)
def _cache_on(settings):
    settings.ROLLUP_CACHE = True


def _overdue(otaru, title="期限切れの確認"):
    return activity_create(
        by=None,
        municipalities=[otaru],
        office=Office.objects.get(code="sapporo"),
        item=RequestItem.objects.get(code="1-1"),
        kind="briefing",
        date=today() - datetime.timedelta(days=5),
        title=title,
        follow_up_on=today() - datetime.timedelta(days=1),
    )


def _section(html, heading):
    return html.split(f'id="{heading}"')[1].split("</section>")[0]


def _csrf_client(user):
    client = Client(enforce_csrf_checks=True)
    client.force_login(user)
    return client


def _second_sapporo_user():
    user = User.objects.create(username="sapporo-2")
    Role.objects.create(user=user, kind=Role.Kind.CENTER, office=Office.objects.get(code="sapporo"))
    return user


def test_each_viewer_gets_its_own_csrf_token_and_path_and_its_form_works(center_sapporo, otaru):
    activity = _overdue(otaru)
    first, second = _csrf_client(center_sapporo), _csrf_client(_second_sapporo_user())
    pages = [first.get(DESK + "?from=bell").content.decode(), second.get(DESK).content.decode()]
    tokens = [
        re.search(r'name="csrfmiddlewaretoken" value="([^"]+)"', _section(page, "overdue-heading")) for page in pages
    ]
    assert all(tokens) and tokens[0].group(1) != tokens[1].group(1)
    for page in pages:
        assert placeholders.csrf() not in page and placeholders.next_path() not in page
    assert 'name="next" value="/offices/sapporo/?from=bell"' in _section(pages[0], "overdue-heading")
    assert 'name="next" value="/offices/sapporo/"' in _section(pages[1], "overdue-heading")

    # The second viewer's page came from the first one's cached markup; its token is its own and accepted.
    response = second.post(
        f"/activities/{activity.pk}/follow-up-done/",
        {"csrfmiddlewaretoken": tokens[1].group(1), "next": DESK},
    )
    assert response.status_code == HTTPStatus.FOUND
    assert Activity.objects.get(pk=activity.pk).follow_up_done
    # …and the overdue list no longer holds it on the very next request, for either viewer.
    assert "期限切れの確認" not in _section(first.get(DESK).content.decode(), "overdue-heading")


def test_a_new_overdue_follow_up_and_a_new_referral_show_on_the_next_request(center_sapporo, client_for, otaru):
    client = client_for(center_sapporo)
    assert "新しい期限切れ" not in client.get(DESK).content.decode()
    _overdue(otaru, title="新しい期限切れ")
    html = client.get(DESK).content.decode()
    assert "新しい期限切れ" in _section(html, "overdue-heading")
    referral_create(
        municipality=otaru, by=center_sapporo, received_on=today(), topic="tax", agency="国税庁", summary="相談の概要"
    )
    assert otaru.name in _section(client.get(DESK).content.decode(), "referrals-heading")


def test_a_commissioners_new_name_shows_on_the_next_request(center_sapporo, client_for, otaru, lg_otaru):
    commissioner = commissioner_create(
        municipality=otaru,
        name="佐藤 和夫",
        name_kana="さとう かずお",
        appointed_on=today() - datetime.timedelta(days=400),
        by=center_sapporo,
    )
    referral_create(
        municipality=otaru,
        by=lg_otaru,
        received_on=today(),
        topic="tax",
        agency="国税庁",
        summary="相談の概要",
        direction="to_commissioner",
        commissioner=commissioner,
    )
    client = client_for(center_sapporo)
    assert "佐藤 和夫" in _section(client.get(DESK).content.decode(), "referrals-heading")
    commissioner_update(commissioner=commissioner, by=center_sapporo, name="佐藤 一郎")
    section = _section(client.get(DESK).content.decode(), "referrals-heading")
    assert "佐藤 一郎" in section and "佐藤 和夫" not in section
