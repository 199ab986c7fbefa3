"""Issue 16, "done when", through the site as the people concerned would do it.

1. A town withdraws its own referral before acknowledgement.
2. center-sapporo sends a consultation to 小樽市 (012033) and 小樽市 closes it.
3. A summary with a telephone number is stopped with a clear message.
4. A wrong activity is cancelled and the stage it moved is reverted by a
   correcting change that the history and the as-of report both show.
"""

import datetime
from http import HTTPStatus

import pytest
from django.urls import reverse

from cooperation.activities.services import activity_create
from cooperation.fiscal import today
from cooperation.models import Activity, Progress, ProgressChange, Referral, RequestItem, Stage
from offices.models import Office

pytestmark = pytest.mark.usefixtures("master")

CREATE = reverse("cooperation:referral_create")
ENGLISH = {"HTTP_ACCEPT_LANGUAGE": "en"}


def days_ago(days: int) -> datetime.date:
    return today() - datetime.timedelta(days=days)


def url(name: str, pk: int) -> str:
    return reverse(f"cooperation:{name}", kwargs={"pk": pk})


def filing(municipality, **extra) -> dict:
    data = {
        "municipality": municipality.pk,
        "received_on": days_ago(3).isoformat(),
        "topic": "pension",
        "agency": "日本年金機構",
        "summary": "年金の受給資格期間の計算についての相談",
    }
    data.update(extra)
    return data


def test_a_town_withdraws_its_own_referral_before_acknowledgement(client_for, lg_otaru, center_sapporo, otaru):
    town = client_for(lg_otaru)
    assert town.post(CREATE, filing(otaru)).status_code == HTTPStatus.FOUND
    referral = Referral.objects.get()
    assert (referral.direction, referral.status, referral.created_by) == ("to_center", "submitted", lg_otaru)
    assert url("referral_withdraw", referral.pk) in town.get(referral.get_absolute_url()).content.decode()
    # The center, the receiving side, may not withdraw it.
    center = client_for(center_sapporo)
    assert center.post(url("referral_withdraw", referral.pk), {"note": "x"}).status_code == HTTPStatus.FORBIDDEN

    response = town.post(url("referral_withdraw", referral.pk), {"note": "重複して提出したため", "on": days_ago(1)})

    assert response.status_code == HTTPStatus.FOUND
    referral.refresh_from_db()
    assert (referral.status, referral.outcome) == ("closed", "withdrawn")
    step = referral.events.get(action="withdrawn")
    assert (step.by, step.note, step.on) == (lg_otaru, "重複して提出したため", days_ago(1))
    page = center.get(referral.get_absolute_url(), **ENGLISH).content.decode()
    assert "withdrawn" in page and "重複して提出したため" in page
    # Once closed it can be neither withdrawn again nor edited.
    assert town.post(url("referral_withdraw", referral.pk), {}).status_code == HTTPStatus.FORBIDDEN
    assert town.get(url("referral_update", referral.pk)).status_code == HTTPStatus.FORBIDDEN


def test_once_acknowledged_the_town_can_no_longer_withdraw(client_for, lg_otaru, center_sapporo, otaru):
    client_for(lg_otaru).post(CREATE, filing(otaru))
    referral = Referral.objects.get()
    client_for(center_sapporo).post(url("referral_transition", referral.pk), {"to_status": "acknowledged"})
    response = client_for(lg_otaru).post(url("referral_withdraw", referral.pk), {"note": "取下げ"})
    assert response.status_code == HTTPStatus.FORBIDDEN
    assert Referral.objects.get().status == "acknowledged"


def test_center_sapporo_sends_a_consultation_to_otaru_and_otaru_closes_it(
    client_for, center_sapporo, lg_otaru, lg_hakodate, otaru
):
    assert (otaru.lg_code, otaru.office.code) == ("012033", "sapporo")
    center = client_for(center_sapporo)
    sent = filing(otaru, direction="to_municipality", topic="roads", agency="", summary="市道の除雪についての相談")
    response = center.post(CREATE, sent, **ENGLISH)
    assert response.status_code == HTTPStatus.FOUND
    referral = Referral.objects.get()
    assert (referral.direction, referral.municipality, referral.created_by) == (
        "to_municipality",
        otaru,
        center_sapporo,
    )
    # Another town sees nothing of it; the center cannot handle what it sent.
    assert client_for(lg_hakodate).get(referral.get_absolute_url()).status_code == HTTPStatus.NOT_FOUND
    refused = center.post(url("referral_transition", referral.pk), {"to_status": "acknowledged"})
    assert refused.status_code == HTTPStatus.FORBIDDEN

    town = client_for(lg_otaru)
    for step in (
        {"to_status": "acknowledged", "note": "建設課で受付", "on": days_ago(2).isoformat()},
        {"to_status": "in_progress", "note": "現地を確認", "on": days_ago(1).isoformat()},
        {
            "to_status": "closed",
            "outcome": "resolved",
            "note": "除雪を実施し、センターに連絡",
            "on": today().isoformat(),
        },
    ):
        assert town.post(url("referral_transition", referral.pk), step).status_code == HTTPStatus.FOUND

    referral.refresh_from_db()
    assert (referral.status, referral.outcome) == ("closed", "resolved")
    assert list(referral.events.values_list("action", "on", "note", "by")) == [
        ("filed", days_ago(3), "", center_sapporo.pk),
        ("acknowledged", days_ago(2), "建設課で受付", lg_otaru.pk),
        ("started", days_ago(1), "現地を確認", lg_otaru.pk),
        ("closed", today(), "除雪を実施し、センターに連絡", lg_otaru.pk),
    ]
    listed = center.get(reverse("cooperation:referral_list") + "?direction=to_municipality", **ENGLISH)
    assert "center → local government" in listed.content.decode()
    assert [row.record.pk for row in listed.context["table"].rows] == [referral.pk]


def test_a_summary_with_a_phone_number_is_stopped_with_a_clear_message(client_for, lg_otaru, otaru):
    town = client_for(lg_otaru)
    data = filing(otaru, summary="相談者の連絡先 090-1234-5678 に折り返しを希望")

    japanese = town.post(CREATE, data).content.decode()
    english = town.post(CREATE, data, **ENGLISH).content.decode()

    assert "個人情報と思われる記載があります" in japanese and "電話番号（090-1234-5678）" in japanese
    assert "The summary seems to contain personal information: a telephone number（090-1234-5678）" in english
    assert "Remove it" in english and 'name="not_personal"' in english
    assert not Referral.objects.exists()


def test_a_wrong_activity_is_cancelled_and_the_stage_it_moved_is_reverted_in_history_and_as_of_report(
    client_for, center_sapporo, hq, otaru
):
    progress = Progress.objects.get(municipality=otaru, item__code="1-1")
    activity = activity_create(
        by=center_sapporo,
        office=Office.objects.get(code="sapporo"),
        item=RequestItem.objects.get(code="1-1"),
        kind="briefing",
        date=days_ago(20),
        title="小樽市 職員向け説明会",
        summary="",
        municipalities=[otaru],
        advance=[otaru],
    )
    wrong = ProgressChange.objects.get(activity=activity)
    report = reverse("cooperation:prefecture_report", kwargs={"code": "01"}) + "?item=1-1&as_of="

    def otaru_as_of(day):
        matrix = client_for(hq).get(report + day.isoformat()).context["matrix"]
        return next(row for row in matrix.rows if row.lg_code == otaru.lg_code).cells[0].stage

    assert (otaru_as_of(days_ago(21)), otaru_as_of(days_ago(5))) == (Stage.NOT_STARTED, Stage.DONE)
    center = client_for(center_sapporo)
    assert wrong.get_to_stage_display() in center.get(url("activity_cancel", activity.pk)).content.decode()

    response = center.post(
        url("activity_cancel", activity.pk), {"reason": "別の町の説明会を誤って登録", "stages": "revert"}
    )

    assert response.status_code == HTTPStatus.FOUND
    assert Activity.all_objects.get(pk=activity.pk).cancelled
    correction = ProgressChange.objects.get(corrects=wrong)
    assert (correction.from_stage, correction.to_stage, correction.recorded_by) == (
        Stage.DONE,
        Stage.NOT_STARTED,
        center_sapporo,
    )
    progress.refresh_from_db()
    assert progress.stage == Stage.NOT_STARTED
    # The history shows both the wrong change and the correcting one.
    html = center.get(otaru.get_absolute_url(), **ENGLISH).content.decode()
    history = html.split('id="history-heading"')[1].split("</section>")[0]
    assert "Corrected by a later correcting change." in history and "別の町の説明会を誤って登録" in history
    # The as-of report: before the wrong change as it was, after it the corrected stage.
    assert (otaru_as_of(days_ago(21)), otaru_as_of(days_ago(5))) == (Stage.NOT_STARTED, Stage.NOT_STARTED)
