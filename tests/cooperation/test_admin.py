"""The admin: headquarters maintains request items; history and the rows the services write are read-only."""

from http import HTTPStatus

import pytest
from django.core.files.uploadedfile import SimpleUploadedFile
from django.urls import reverse

from cooperation.activities.services import activity_create
from cooperation.fiscal import today
from cooperation.models import (
    Activity,
    Attachment,
    Category,
    ImportBatch,
    Progress,
    ProgressChange,
    Referral,
    ReferralEvent,
    RequestItem,
    Stage,
)
from cooperation.progress.services import progress_update
from cooperation.referrals.services import referral_create, referral_transition
from offices.models import Municipality, User

pytestmark = pytest.mark.usefixtures("master")


@pytest.fixture
def admin_client(client_for):
    user = User.objects.create_superuser(username="hq-admin", password="pass-for-tests-123")
    return client_for(user)


@pytest.fixture
def history(otaru, center_sapporo):
    """One change of each kind of evidence, so every admin page has rows to show."""
    progress_update(
        progress=Progress.objects.get(municipality=otaru, item__code="1-2"), stage=Stage.CONSIDERING, by=center_sapporo
    )
    referral = referral_create(
        by=center_sapporo, municipality=otaru, received_on=today(), topic="tax", summary="国税の相談"
    )
    referral_transition(referral=referral, to_status=Referral.Status.ACKNOWLEDGED, by=center_sapporo)
    activity_create(
        by=center_sapporo,
        municipalities=[otaru],
        advance=[otaru],
        office=otaru.office,
        item=RequestItem.objects.get(code="1-1"),
        kind=Activity.Kind.BRIEFING,
        date=today(),
        title="職員向け説明会",
        files=[SimpleUploadedFile("minutes.pdf", b"%PDF-1.4 minutes")],
    )
    return ProgressChange.objects.filter(progress__municipality=otaru)


def _new_item_data(code: str, scope: str) -> dict:
    return {
        "code": code,
        "category": Category.objects.get(code="2").pk,
        "title_ja": "新しい依頼事項",
        "title_en": "A new request item",
        "scope": scope,
        "sort_order": 200,
        "is_active": "on",
    }


def test_an_item_added_in_the_admin_gets_a_row_for_every_active_local_government(admin_client):
    response = admin_client.post(reverse("admin:cooperation_requestitem_add"), _new_item_data("2-6", "all"))
    assert response.status_code == HTTPStatus.FOUND
    assert Progress.objects.filter(item__code="2-6").count() == Municipality.objects.active().count() == 1788
    assert set(Progress.objects.filter(item__code="2-6").values_list("stage", flat=True)) == {Stage.NOT_STARTED}


def test_a_prefecture_only_item_added_in_the_admin_gets_rows_for_the_prefectural_governments(admin_client):
    admin_client.post(reverse("admin:cooperation_requestitem_add"), _new_item_data("0-2", "prefecture"))
    rows = Progress.objects.filter(item__code="0-2")
    assert rows.count() == 47
    assert set(rows.values_list("municipality__kind", flat=True)) == {"prefecture"}


def test_an_item_added_in_the_admin_can_be_moved_through_the_service(admin_client, otaru, center_sapporo):
    admin_client.post(reverse("admin:cooperation_requestitem_add"), _new_item_data("2-6", "all"))
    progress = Progress.objects.get(municipality=otaru, item__code="2-6")
    progress_update(progress=progress, stage=Stage.CONSIDERING, by=center_sapporo)
    assert Progress.objects.current().filter(item__code="2-6", stage=Stage.CONSIDERING).get() == progress


def test_an_item_retired_in_the_admin_leaves_the_rows_reports_count(admin_client):
    item = RequestItem.objects.get(code="2-5")
    data = _new_item_data("2-5", "all") | {"category": item.category_id, "title_ja": item.title_ja}
    del data["is_active"]
    response = admin_client.post(reverse("admin:cooperation_requestitem_change", args=[item.pk]), data)
    assert response.status_code == HTTPStatus.FOUND
    assert RequestItem.objects.get(code="2-5").is_active is False
    assert not Progress.objects.current().filter(item__code="2-5").exists()
    assert Progress.objects.filter(item__code="2-5").count() == 1788


def test_an_items_code_cannot_be_changed(admin_client):
    item = RequestItem.objects.get(code="2-3")
    data = _new_item_data("9-9", "all") | {"category": item.category_id}
    admin_client.post(reverse("admin:cooperation_requestitem_change", args=[item.pk]), data)
    assert RequestItem.objects.filter(pk=item.pk, code="2-3").exists()


def test_an_item_cannot_be_deleted(admin_client):
    item = RequestItem.objects.get(code="2-5")
    response = admin_client.post(reverse("admin:cooperation_requestitem_delete", args=[item.pk]), {"post": "yes"})
    assert response.status_code == HTTPStatus.FORBIDDEN
    assert RequestItem.objects.filter(pk=item.pk).exists()


READ_ONLY = [Progress, ProgressChange, Activity, Attachment, Referral, ReferralEvent, ImportBatch]


@pytest.mark.parametrize("model", READ_ONLY, ids=lambda model: model._meta.model_name)
def test_rows_written_by_the_services_are_shown(admin_client, history, model):
    ImportBatch.objects.create(file_name="survey.xlsx", sha256="0" * 64)
    obj = model.objects.first()
    info = (model._meta.app_label, model._meta.model_name)
    assert admin_client.get(reverse("admin:{}_{}_changelist".format(*info))).status_code == HTTPStatus.OK
    assert admin_client.get(reverse("admin:{}_{}_change".format(*info), args=[obj.pk])).status_code == HTTPStatus.OK


@pytest.mark.parametrize("model", READ_ONLY, ids=lambda model: model._meta.model_name)
def test_rows_written_by_the_services_cannot_be_added(admin_client, model):
    info = (model._meta.app_label, model._meta.model_name)
    assert admin_client.get(reverse("admin:{}_{}_add".format(*info))).status_code == HTTPStatus.FORBIDDEN


@pytest.mark.parametrize("model", READ_ONLY, ids=lambda model: model._meta.model_name)
def test_rows_written_by_the_services_cannot_be_deleted(admin_client, history, model):
    ImportBatch.objects.create(file_name="survey.xlsx", sha256="0" * 64)
    obj = model.objects.first()
    url = reverse(f"admin:{model._meta.app_label}_{model._meta.model_name}_delete", args=[obj.pk])
    assert admin_client.post(url, {"post": "yes"}).status_code == HTTPStatus.FORBIDDEN
    assert model.objects.filter(pk=obj.pk).exists()


def test_a_history_record_cannot_be_edited(admin_client, history):
    change = history.first()
    url = reverse("admin:cooperation_progresschange_change", args=[change.pk])
    response = admin_client.post(url, {"to_stage": Stage.ESTABLISHED, "note": "改ざん", "effective_date": "2020-01-01"})
    assert response.status_code == HTTPStatus.FORBIDDEN
    change.refresh_from_db()
    assert (change.note, change.to_stage) != ("改ざん", Stage.ESTABLISHED)


def test_a_progress_stage_cannot_be_edited_in_the_admin(admin_client, otaru):
    progress = Progress.objects.get(municipality=otaru, item__code="2-1")
    url = reverse("admin:cooperation_progress_change", args=[progress.pk])
    response = admin_client.post(url, {"stage": Stage.ESTABLISHED, "note": "", "version": 0})
    assert response.status_code == HTTPStatus.FORBIDDEN
    progress.refresh_from_db()
    assert (progress.stage, progress.changes.count()) == (Stage.NOT_STARTED, 0)


def test_the_progress_page_shows_its_history(admin_client, history, otaru):
    progress = Progress.objects.get(municipality=otaru, item__code="1-2")
    response = admin_client.get(reverse("admin:cooperation_progress_change", args=[progress.pk]))
    assert response.status_code == HTTPStatus.OK
    assert "center-sapporo" in response.content.decode()


def test_the_attachment_page_does_not_reveal_where_the_file_is_stored(admin_client, history):
    attachment = Attachment.objects.get()
    response = admin_client.get(reverse("admin:cooperation_attachment_change", args=[attachment.pk]))
    assert attachment.file.name not in response.content.decode()
