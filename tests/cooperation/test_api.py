"""The read-only API: tokens, scope (out of scope is 404), pagination cap, filters, as_of, throttle, figures."""

import datetime
from http import HTTPStatus

import pytest
from django.test import Client

from cooperation.api.models import ApiToken, token_digest
from cooperation.api.services import api_token_create, api_token_revoke
from cooperation.fiscal import today
from cooperation.models import Progress, Stage
from cooperation.progress.services import progress_update
from offices.models import AuditEvent, Municipality

pytestmark = pytest.mark.django_db


def bearer(key: str) -> Client:
    return Client(HTTP_AUTHORIZATION=f"Bearer {key}")


def all_results(client: Client, url: str) -> list[dict]:
    rows = []
    while url:
        response = client.get(url)
        assert response.status_code == HTTPStatus.OK, response.content
        body = response.json()
        rows.extend(body["results"])
        url = body["next"]
    return rows


def test_center_sapporo_token_reads_its_52_local_governments_and_gets_404_for_hakodate(center_sapporo):
    _token, key = api_token_create(by=center_sapporo, name="BI")
    client = bearer(key)

    rows = all_results(client, "/api/v1/progress/?limit=500")

    codes = {row["local_government"] for row in rows}
    expected = set(Municipality.objects.visible_to(center_sapporo).active().values_list("lg_code", flat=True))
    assert len(codes) == 52
    assert codes == expected
    assert "012033" in codes and "010006" in codes
    assert "012025" not in codes
    assert client.get("/api/v1/local-governments/012025/").status_code == HTTPStatus.NOT_FOUND
    assert client.get("/api/v1/local-governments/012025/progress/").status_code == HTTPStatus.NOT_FOUND
    assert client.get("/api/v1/local-governments/012033/progress/").status_code == HTTPStatus.OK
    assert client.get("/api/v1/progress/?local_government=012025").json()["count"] == 0


def test_token_is_stored_hashed_and_shown_once(center_sapporo, client_for):
    client = client_for(center_sapporo)

    response = client.post("/account/api-tokens/", {"name": "spreadsheet"}, follow=True)

    key = response.context["new_key"]
    assert key.startswith("coop_")
    token = ApiToken.objects.get(user=center_sapporo)
    assert token.digest == token_digest(key) and key not in (token.digest, token.hint)
    assert key in response.content.decode()
    again = client.get("/account/api-tokens/")
    assert key not in again.content.decode()
    assert "spreadsheet" in again.content.decode()


def test_revoked_token_is_refused_and_both_are_audited(center_sapporo):
    token, key = api_token_create(by=center_sapporo, name="BI")
    assert bearer(key).get("/api/v1/items/").status_code == HTTPStatus.OK
    token.refresh_from_db()
    assert token.last_used_at is not None

    api_token_revoke(by=center_sapporo, token=token)

    assert bearer(key).get("/api/v1/items/").status_code == HTTPStatus.UNAUTHORIZED
    actions = list(AuditEvent.objects.filter(actor=center_sapporo).values_list("action", flat=True))
    assert "api_token_created" in actions and "api_token_revoked" in actions
    assert not AuditEvent.objects.filter(detail__icontains=key).exists()


def test_another_users_token_cannot_be_revoked(center_sapporo, center_hakodate, client_for):
    token, key = api_token_create(by=center_sapporo, name="BI")

    response = client_for(center_hakodate).post(f"/account/api-tokens/{token.pk}/revoke/")

    assert response.status_code == HTTPStatus.NOT_FOUND
    token.refresh_from_db()
    assert token.revoked_at is None


def test_token_of_a_deactivated_user_is_refused(lg_otaru):
    _token, key = api_token_create(by=lg_otaru, name="BI")
    lg_otaru.is_active = False
    lg_otaru.save()

    assert bearer(key).get("/api/v1/items/").status_code == HTTPStatus.UNAUTHORIZED


def test_wrong_token_is_refused(master):
    assert bearer("coop_nothing").get("/api/v1/items/").status_code == HTTPStatus.UNAUTHORIZED
    assert Client().get("/api/v1/items/").status_code == HTTPStatus.UNAUTHORIZED


def test_page_size_is_capped(hq):
    _token, key = api_token_create(by=hq, name="BI")

    body = bearer(key).get("/api/v1/local-governments/?limit=100000").json()

    assert body["count"] == Municipality.objects.count()
    assert len(body["results"]) == 500


def test_throttle_per_token(hq, settings):
    settings.API_THROTTLE_RATE = "3/minute"
    _t1, first = api_token_create(by=hq, name="one")
    _t2, second = api_token_create(by=hq, name="two")

    statuses = [bearer(first).get("/api/v1/items/").status_code for _ in range(4)]

    assert statuses == [200, 200, 200, HTTPStatus.TOO_MANY_REQUESTS]
    assert bearer(second).get("/api/v1/items/").status_code == HTTPStatus.OK


def test_referrals_carry_metadata_only(lg_otaru, otaru):
    from cooperation.referrals.services import referral_create

    referral_create(
        municipality=otaru,
        received_on=today(),
        topic="tax",
        agency="国税庁",
        summary="相談者の個人的な事情",
        by=lg_otaru,
    )
    _token, key = api_token_create(by=lg_otaru, name="BI")

    body = bearer(key).get("/api/v1/referrals/").json()

    assert body["count"] == 1
    assert "summary" not in body["results"][0]
    assert "相談者" not in str(body)
    assert body["results"][0]["local_government"] == "012033"


def test_progress_as_of_a_past_day_shows_the_stage_then(center_sapporo, otaru):
    progress = Progress.objects.get(municipality=otaru, item__code="1-1")
    progress_update(progress=progress, stage=Stage.CONSIDERING, effective_date=today(), note="", by=center_sapporo)
    _token, key = api_token_create(by=center_sapporo, name="BI")
    yesterday = (today() - datetime.timedelta(days=1)).isoformat()
    client = bearer(key)

    now = client.get("/api/v1/progress/?local_government=012033&item=1-1").json()["results"]
    then = client.get(f"/api/v1/progress/?local_government=012033&item=1-1&as_of={yesterday}").json()["results"]

    assert now[0]["stage"] == "considering" and now[0]["stage_date"] == today().isoformat()
    assert then[0]["stage"] == "not_started" and then[0]["as_of"] == yesterday
    future = (today() + datetime.timedelta(days=1)).isoformat()
    assert client.get(f"/api/v1/progress/?as_of={future}").status_code == HTTPStatus.BAD_REQUEST
    assert client.get("/api/v1/progress/?as_of=soon").status_code == HTTPStatus.BAD_REQUEST


def test_api_figures_equal_the_prefecture_report(hq, client_for, master):
    hakodate = Municipality.objects.get(lg_code="012025")
    for code, stage in (("1-1", Stage.DONE), ("1-2", Stage.CONSIDERING)):
        progress = Progress.objects.get(municipality=hakodate, item__code=code)
        progress_update(progress=progress, stage=stage, effective_date=today(), note="", by=hq)
    _token, key = api_token_create(by=hq, name="BI")

    rows = all_results(bearer(key), "/api/v1/progress/?prefecture=01&limit=500")
    report = client_for(hq).get("/prefectures/01/").context["matrix"]

    for entry in report.summary:
        for stage in entry.stages:
            api_count = sum(1 for row in rows if row["item"] == entry.code and row["stage"] == stage.stage)
            assert api_count == stage.count, (entry.code, stage.stage)
    assert sum(1 for row in rows if row["stage"] == Stage.DONE) == 1


def test_activity_names_only_local_governments_in_scope(center_sapporo, lg_otaru, otaru, hakodate_city):
    from cooperation.activities.services import activity_create
    from cooperation.models import RequestItem
    from offices.models import Office

    activity = activity_create(
        by=None,
        municipalities=[otaru, hakodate_city],
        office=Office.objects.get(code="sapporo"),
        item=RequestItem.objects.get(code="1-1"),
        kind="briefing",
        date=today(),
        title="合同説明会",
    )
    _token, key = api_token_create(by=lg_otaru, name="BI")

    body = bearer(key).get("/api/v1/activities/").json()

    assert [row["id"] for row in body["results"]] == [activity.pk]
    assert body["results"][0]["local_governments"] == ["012033"]
    assert body["results"][0]["date"] == today().isoformat()


def test_schema_and_swagger_ui_are_served_by_the_site(master):
    schema = Client().get("/api/v1/schema/?format=json")
    docs = Client().get("/api/v1/docs/")

    assert schema.status_code == HTTPStatus.OK
    body = schema.json()
    assert body["openapi"].startswith("3.")
    properties = body["components"]["schemas"]["Progress"]["properties"]
    assert properties["local_government"]["type"] == "string"
    assert properties["local_government"]["title"] == "団体コード"
    assert docs.status_code == HTTPStatus.OK
    html = docs.content.decode()
    assert "cdn" not in html.lower() and "https://" not in html
    assert "/static/drf_spectacular_sidecar/" in html


def _activities(count, otaru):
    from cooperation.activities.services import activity_create
    from cooperation.models import RequestItem
    from offices.models import Office

    office, item = Office.objects.get(code="sapporo"), RequestItem.objects.get(code="1-1")
    for index in range(count):
        activity_create(
            by=None,
            municipalities=[otaru],
            office=office,
            item=item,
            kind="briefing",
            date=today(),
            title=f"説明会{index}",
        )


@pytest.mark.parametrize(
    "url",
    [
        "/api/v1/progress/?limit={n}",
        "/api/v1/activities/?limit={n}",
        "/api/v1/progress-changes/?limit={n}",
        "/api/v1/local-governments/?limit={n}",
        "/api/v1/referrals/?limit={n}",
        "/api/v1/centers/?limit={n}",
    ],
)
def test_api_lists_run_the_same_few_queries_whatever_the_page_size(url, hq, otaru, django_assert_max_num_queries):
    from cooperation.referrals.services import referral_create

    _activities(30, otaru)
    for _ in range(3):
        referral_create(by=None, municipality=otaru, received_on=today(), topic="tax", summary="相談")
    for code in ("1-1", "1-2", "2-1"):
        progress_update(progress=Progress.objects.get(municipality=otaru, item__code=code), stage=Stage.DONE, by=hq)
    _token, key = api_token_create(by=hq, name="BI")
    client = bearer(key)
    client.get("/api/v1/items/")  # the token's first use writes last_used_at
    counts = []
    for size in (2, 30):
        with django_assert_max_num_queries(15) as captured:
            response = client.get(url.format(n=size))
        assert response.status_code == HTTPStatus.OK
        assert len(response.json()["results"]) > 1
        counts.append(len(captured))
    assert counts[0] == counts[1]


def test_viewers_may_manage_their_own_tokens_only(viewer_hq, hq):
    from offices import policies

    assert policies.can(viewer_hq, policies.API_TOKEN_MANAGE, viewer_hq)
    assert not policies.can(viewer_hq, policies.API_TOKEN_MANAGE, hq)
    token, _key = api_token_create(by=hq, name="BI")
    with pytest.raises(policies.NotAllowed):
        api_token_revoke(by=viewer_hq, token=token)
