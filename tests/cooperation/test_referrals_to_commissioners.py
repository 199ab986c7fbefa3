"""Referrals from a local government to a commissioner (行政相談委員) of its area; the center records their steps.

The commissioner must be serving and work in the referral's local government
(``Commissioner.municipality``, their area). Who sees the referral sees the
commissioner's name, never their contact details.
"""

import datetime
from http import HTTPStatus

import pytest
from django.core.exceptions import ValidationError
from django.db import IntegrityError, transaction
from django.urls import reverse
from django.utils import translation

from cooperation.commissioners.services import commissioner_create, commissioner_end
from cooperation.fiscal import fiscal_year, today
from cooperation.models import Notification, Progress, ProgressChange, Referral, RequestItem, Stage
from cooperation.notifications import kinds
from cooperation.referrals.services import referral_create, referral_transition
from cooperation.yearly import selectors as yearly
from offices.models import Municipality

pytestmark = pytest.mark.usefixtures("master")

CREATE = reverse("cooperation:referral_create")
ENGLISH = {"HTTP_ACCEPT_LANGUAGE": "en"}
CONTACT = ("000-0000-4321", "sato.demo@example.jp", "小樽市稲穂9丁目9番9号", "047-0032")


def days_ago(days: int) -> datetime.date:
    return today() - datetime.timedelta(days=days)


def appoint(municipality, name, kana, **extra):
    return commissioner_create(
        municipality=municipality, name=name, name_kana=kana, appointed_on=days_ago(400), by=None, **extra
    )


@pytest.fixture
def sato(otaru):
    phone, email, address, postal_code = CONTACT
    return appoint(
        otaru, "佐藤 和夫", "さとう かずお", phone=phone, email=email, address=address, postal_code=postal_code
    )


@pytest.fixture
def retired(otaru):
    person = appoint(otaru, "鈴木 正", "すずき ただし")
    commissioner_end(commissioner=person, status="retired", on=days_ago(10), by=None)
    return person


@pytest.fixture
def sapporo_commissioner():
    return appoint(Municipality.objects.get(lg_code="011002"), "高橋 博", "たかはし ひろし")


def url(name: str, referral) -> str:
    return reverse(f"cooperation:{name}", kwargs={"pk": referral.pk})


def to_commissioner(municipality, commissioner, **extra) -> dict:
    data = {
        "direction": "to_commissioner",
        "commissioner": commissioner.pk,
        "municipality": municipality.pk,
        "received_on": days_ago(2).isoformat(),
        "topic": "pension",
        "agency": "日本年金機構",
        "summary": "年金の受給についての相談",
    }
    data.update(extra)
    return data


def filed(municipality, commissioner, by=None, **extra) -> Referral:
    values = {"received_on": days_ago(2), "topic": "tax", "summary": "国税の手続についての相談"}
    values.update(extra)
    return referral_create(
        by=by, municipality=municipality, direction="to_commissioner", commissioner=commissioner, **values
    )


def no_contact_details(html: str) -> bool:
    return not any(value in html for value in CONTACT)


def test_the_form_offers_the_serving_commissioners_of_the_area_by_name_only(
    client_for, lg_otaru, sato, retired, sapporo_commissioner
):
    form = client_for(lg_otaru).get(CREATE, **ENGLISH)
    html = form.content.decode()
    assert 'value="to_commissioner"' in html and "local government → commissioner" in html
    offered = [label for _value, label in form.context["form"].fields["commissioner"].choices]
    assert offered == ["---------", "佐藤 和夫"]
    assert no_contact_details(html)


def test_center_staff_see_each_commissioner_with_their_area(client_for, center_sapporo, sato, sapporo_commissioner):
    form = client_for(center_sapporo).get(CREATE).context["form"]
    offered = [label for _value, label in form.fields["commissioner"].choices][1:]
    assert offered == ["札幌市: 高橋 博", "小樽市: 佐藤 和夫"]


def test_headquarters_choose_the_local_government_first(client_for, hq, otaru, sato):
    national = client_for(hq).get(CREATE, **ENGLISH)
    assert 'name="commissioner"' not in national.content.decode()
    assert "To refer to a commissioner, open this form from the local government" in national.content.decode()
    page = client_for(hq).get(CREATE + "?municipality=012033&direction=to_commissioner")
    form = page.context["form"]
    assert [label for _value, label in form.fields["commissioner"].choices] == ["---------", "佐藤 和夫"]
    assert 'value="to_commissioner" selected' in page.content.decode()


def test_without_a_serving_commissioner_the_form_says_the_referral_goes_to_the_center(client_for, lg_otaru, retired):
    html = client_for(lg_otaru).get(CREATE, **ENGLISH).content.decode()
    assert 'value="to_commissioner"' not in html and 'name="commissioner"' not in html
    assert "No serving commissioner is registered for the area of 小樽市" in html


def test_a_town_refers_to_its_commissioner_and_the_center_records_the_steps(
    client_for, run_worker, lg_otaru, center_sapporo, otaru, sato
):
    town, center = client_for(lg_otaru), client_for(center_sapporo)
    response = town.post(CREATE, to_commissioner(otaru, sato), **ENGLISH)
    referral = Referral.objects.get()
    assert response.status_code == HTTPStatus.FOUND
    assert (referral.direction, referral.commissioner, referral.office.code) == ("to_commissioner", sato, "sapporo")
    # The first referral to a commissioner moves 2-3 (the catalogue says so) with the referral as evidence.
    assert ProgressChange.objects.get(referral=referral).progress.item.code == "2-3"
    assert Progress.objects.get(municipality=otaru, item__code="2-3").stage == Stage.DONE
    run_worker()
    assert set(Notification.objects.filter(kind=kinds.REFERRAL_FILED).values_list("recipient", flat=True)) == {
        center_sapporo.pk
    }
    # The center acknowledges and closes on the commissioner's behalf; the town cannot.
    assert town.post(url("referral_transition", referral), {"to_status": "acknowledged"}).status_code == 403
    page = center.get(referral.get_absolute_url(), **ENGLISH).content.decode()
    assert "on behalf of the commissioner 佐藤 和夫" in page
    for step in (
        {"to_status": "acknowledged", "note": "委員が受付", "on": days_ago(1).isoformat()},
        {
            "to_status": "closed",
            "outcome": "resolved",
            "note": "委員が年金事務所に照会し回答",
            "on": today().isoformat(),
        },
    ):
        assert center.post(url("referral_transition", referral), step).status_code == HTTPStatus.FOUND
    referral.refresh_from_db()
    assert (referral.status, referral.outcome) == ("closed", "resolved")
    assert list(referral.events.values_list("action", "by", "note")) == [
        ("filed", lg_otaru.pk, ""),
        ("acknowledged", center_sapporo.pk, "委員が受付"),
        ("closed", center_sapporo.pk, "委員が年金事務所に照会し回答"),
    ]
    run_worker()
    moved = Notification.objects.filter(kind=kinds.REFERRAL_MOVED, recipient=lg_otaru).order_by("id")
    assert [notification.data["to_status"] for notification in moved] == ["acknowledged", "closed"]
    with_language = town.get(reverse("cooperation:notification_list"), **ENGLISH).content.decode()
    assert "The commissioner acknowledged the referral of 小樽市" in with_language
    # Everyone who sees the referral sees the commissioner's name and never their contact details.
    for client in (town, center):
        detail = client.get(referral.get_absolute_url()).content.decode()
        listed = client.get(reverse("cooperation:referral_list")).content.decode()
        assert "佐藤 和夫" in detail and "佐藤 和夫" in listed
        assert no_contact_details(detail) and no_contact_details(listed)


def test_the_center_desk_lists_open_referrals_to_its_commissioners_by_name(client_for, center_sapporo, otaru, sato):
    filed(otaru, sato)
    desk = client_for(center_sapporo).get(reverse("cooperation:office_desk", kwargs={"code": "sapporo"}), **ENGLISH)
    section = desk.content.decode().split('id="referrals-heading"')[1].split("</section>")[0]
    assert "local government → commissioner (佐藤 和夫)" in section and no_contact_details(section)


def test_the_town_edits_and_withdraws_until_the_center_acknowledges(client_for, lg_otaru, center_sapporo, otaru, sato):
    referral = filed(otaru, sato, by=lg_otaru)
    town = client_for(lg_otaru)
    assert town.get(url("referral_update", referral)).status_code == HTTPStatus.OK
    assert client_for(center_sapporo).post(url("referral_withdraw", referral), {}).status_code == 403
    referral_transition(referral=referral, to_status="acknowledged", by=center_sapporo)
    assert town.get(url("referral_update", referral)).status_code == HTTPStatus.FORBIDDEN
    assert town.post(url("referral_withdraw", referral), {"note": "取下げ"}).status_code == HTTPStatus.FORBIDDEN
    second = filed(otaru, sato, by=lg_otaru)
    assert town.post(url("referral_withdraw", second), {"note": "重複"}).status_code == HTTPStatus.FOUND
    assert Referral.objects.get(pk=second.pk).withdrawn


@translation.override("en")
def test_a_retired_commissioner_or_one_of_another_area_is_refused(otaru, lg_otaru, retired, sapporo_commissioner):
    with pytest.raises(ValidationError, match="not serving"):
        filed(otaru, retired, by=lg_otaru)
    with pytest.raises(ValidationError, match="does not work in the area"):
        filed(otaru, sapporo_commissioner, by=None)
    with pytest.raises(ValidationError, match="Choose the commissioner"):
        filed(otaru, None, by=lg_otaru)
    with pytest.raises(ValidationError, match="Only a referral to a commissioner"):
        referral_create(
            by=lg_otaru, municipality=otaru, received_on=today(), topic="tax", summary="相談", commissioner=retired
        )
    assert not Referral.objects.exists()


def test_the_form_refuses_a_commissioner_of_another_area(client_for, center_sapporo, otaru, sapporo_commissioner):
    response = client_for(center_sapporo).post(CREATE, to_commissioner(otaru, sapporo_commissioner), **ENGLISH)
    assert response.status_code == HTTPStatus.OK
    assert "高橋 博 works in the area of 札幌市, not of 小樽市." in response.content.decode()
    assert not Referral.objects.exists()


def test_a_commissioner_left_selected_for_the_center_direction_is_ignored(client_for, lg_otaru, otaru, sato):
    response = client_for(lg_otaru).post(CREATE, to_commissioner(otaru, sato, direction="to_center"))
    assert response.status_code == HTTPStatus.FOUND
    assert Referral.objects.get().commissioner is None


def test_the_database_requires_a_commissioner_exactly_for_this_direction(otaru, sato):
    base = {"municipality": otaru, "office": otaru.office, "received_on": today(), "topic": "tax", "summary": "相談"}
    with pytest.raises(IntegrityError), transaction.atomic():
        Referral.objects.create(direction="to_commissioner", **base)
    with pytest.raises(IntegrityError), transaction.atomic():
        Referral.objects.create(direction="to_center", commissioner=sato, **base)
    Referral.objects.create(direction="to_commissioner", commissioner=sato, **base)
    assert Referral.objects.count() == 1


def test_which_item_a_first_referral_to_a_commissioner_moves_is_data(otaru, sato):
    assert list(RequestItem.objects.filter(first_referral_to_commissioner_moves=True).values_list("code", flat=True))
    assert RequestItem.objects.get(code="2-3").first_referral_to_commissioner_moves
    RequestItem.objects.filter(code="2-3").update(first_referral_to_commissioner_moves=False)
    RequestItem.objects.filter(code="2-1").update(first_referral_to_commissioner_moves=True)
    referral = filed(otaru, sato)
    assert list(referral.progress_changes.values_list("progress__item__code", flat=True)) == ["2-1"]
    assert not filed(otaru, sato).progress_changes.exists()


def test_a_commissioner_with_referrals_cannot_be_deleted(otaru, sato):
    filed(otaru, sato)
    with pytest.raises(Exception, match="protected"), transaction.atomic():
        sato.delete()


def test_prefecture_officers_see_the_name_and_topic_but_not_the_text(client_for, pref_01, otaru, sato):
    referral = filed(otaru, sato, summary="委員に伝えた相談の内容")
    html = client_for(pref_01).get(referral.get_absolute_url()).content.decode()
    assert "佐藤 和夫" in html and "委員に伝えた相談の内容" not in html and no_contact_details(html)


def test_the_list_filters_by_direction_and_downloads_the_commissioner(client_for, center_sapporo, otaru, sato):
    ours = filed(otaru, sato)
    referral_create(by=None, municipality=otaru, received_on=today(), topic="tax", summary="センターへ")
    client = client_for(center_sapporo)
    listed = client.get(reverse("cooperation:referral_list") + "?direction=to_commissioner")
    assert [row.record.pk for row in listed.context["table"].rows] == [ours.pk]
    download = client.get(reverse("cooperation:referral_list") + "?direction=to_commissioner&_export=csv")
    text = download.content.decode("utf-8-sig")
    assert "佐藤 和夫" in text and no_contact_details(text)


def test_the_api_gives_the_direction_and_the_commissioners_number_and_name_only(
    client_for, center_sapporo, otaru, sato
):
    filed(otaru, sato)
    body = client_for(center_sapporo).get("/api/v1/referrals/").json()
    row = body["results"][0]
    assert (row["direction"], row["commissioner"]) == ("to_commissioner", {"number": sato.number, "name": "佐藤 和夫"})
    assert no_contact_details(str(body))


def test_the_yearly_report_counts_referrals_by_direction(hq, otaru, sato):
    filed(otaru, sato)
    filed(otaru, sato)
    referral_create(by=None, municipality=otaru, received_on=today(), topic="tax", summary="センターへ")
    report = yearly.year_report(user=hq, year=fiscal_year(today()))
    by_direction = {row.label: row.filed for row in report.referrals_by_direction}
    assert by_direction == {
        str(Referral.Direction.TO_CENTER.label): 1,
        str(Referral.Direction.TO_COMMISSIONER.label): 2,
    }
    assert report.referrals_total.filed == 3


def test_the_pages_run_a_bounded_number_of_queries(
    client_for, center_sapporo, otaru, sato, sapporo_commissioner, django_assert_max_num_queries
):
    sapporo = Municipality.objects.get(lg_code="011002")
    referrals = [filed(otaru, sato) for _ in range(3)] + [filed(sapporo, sapporo_commissioner) for _ in range(3)]
    referral_transition(referral=referrals[0], to_status="acknowledged", by=center_sapporo, note="委員が受付")
    client = client_for(center_sapporo)
    client.get(CREATE)  # the session's first request writes its own rows
    for page in (CREATE, reverse("cooperation:referral_list"), referrals[0].get_absolute_url()):
        with django_assert_max_num_queries(30):
            assert client.get(page).status_code == HTTPStatus.OK
    with django_assert_max_num_queries(30) as few:
        client.get(reverse("cooperation:referral_list") + "?direction=to_commissioner&per_page=2")
    with django_assert_max_num_queries(30) as many:
        client.get(reverse("cooperation:referral_list") + "?direction=to_commissioner")
    assert len(many) == len(few)
