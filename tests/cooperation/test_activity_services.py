"""The activity log: logging an activity, moving stages to 実施 with it as evidence, attachments."""

import datetime
from pathlib import Path

import pytest
from django.core.exceptions import PermissionDenied, ValidationError
from django.core.files.uploadedfile import SimpleUploadedFile
from django.urls import reverse

from cooperation.activities.services import activity_create, activity_follow_up_done, attachment_add
from cooperation.fiscal import today
from cooperation.models import Activity, Attachment, Progress, RequestItem, Stage
from cooperation.progress.services import progress_update
from offices.models import Office

pytestmark = pytest.mark.usefixtures("master")

PDF = b"%PDF-1.4\n1 0 obj\n<<>>\nendobj\n"
PNG = b"\x89PNG\r\n\x1a\n" + b"\x00" * 32
XLSX = b"PK\x03\x04" + b"\x00" * 32


def days_ago(days: int) -> datetime.date:
    return today() - datetime.timedelta(days=days)


def progress_of(municipality, code="2-2") -> Progress:
    return Progress.objects.get(municipality=municipality, item__code=code)


def log(by, municipalities, *, code="2-2", office="sapporo", date=None, **extra) -> Activity:
    fields = {
        "office": Office.objects.get(code=office),
        "item": RequestItem.objects.get(code=code),
        "kind": Activity.Kind.JOINT_SESSION,
        "date": date or days_ago(7),
        "title": "合同行政相談所",
        "summary": "市役所ロビーで開催",
    }
    fields.update(extra)
    return activity_create(by=by, municipalities=municipalities, **fields)


def test_activity_is_logged_with_its_local_governments(otaru, center_sapporo):
    activity = log(center_sapporo, [otaru], consultations=12, commissioners_present=3)
    stored = Activity.objects.get(pk=activity.pk)
    assert list(stored.municipalities.all()) == [otaru]
    assert (stored.consultations, stored.commissioners_present, stored.created_by) == (12, 3, center_sapporo)


def test_advance_moves_a_stage_below_done_to_done_with_the_activity_as_evidence(otaru, center_sapporo):
    progress_update(progress=progress_of(otaru), stage=Stage.ARRANGING, by=center_sapporo, effective_date=days_ago(20))
    activity = log(center_sapporo, [otaru], advance=[otaru])
    progress = progress_of(otaru)
    change = progress.changes.chronological().last()
    assert progress.stage == Stage.DONE
    assert (change.from_stage, change.to_stage, change.effective_date) == (Stage.ARRANGING, Stage.DONE, days_ago(7))
    assert change.activity == activity
    assert change.recorded_by == center_sapporo


def test_advance_moves_a_not_feasible_stage_to_done(otaru, center_sapporo):
    progress_update(progress=progress_of(otaru), stage=Stage.NOT_FEASIBLE, by=center_sapporo, note="会場がない")
    log(center_sapporo, [otaru], advance=[otaru], date=today())
    assert progress_of(otaru).stage == Stage.DONE


def test_advance_leaves_an_established_stage_alone(otaru, center_sapporo):
    progress_update(progress=progress_of(otaru), stage=Stage.ESTABLISHED, by=center_sapporo)
    log(center_sapporo, [otaru], advance=[otaru])
    progress = progress_of(otaru)
    assert (progress.stage, progress.changes.count()) == (Stage.ESTABLISHED, 1)


def test_without_advance_no_stage_moves(otaru, center_sapporo):
    log(center_sapporo, [otaru])
    assert not progress_of(otaru).changes.exists()


def test_advance_moves_only_the_chosen_local_governments(master, center_sapporo):
    sapporo_served = list(Office.objects.get(code="sapporo").municipalities.exclude(kind="prefecture")[:3])
    log(center_sapporo, sapporo_served, advance=sapporo_served[:1])
    stages = [progress_of(municipality).stage for municipality in sapporo_served]
    assert stages == [Stage.DONE, Stage.NOT_STARTED, Stage.NOT_STARTED]


def test_advance_of_an_activity_older_than_the_current_stage_takes_the_stage_date(otaru, center_sapporo):
    progress_update(progress=progress_of(otaru), stage=Stage.ARRANGING, by=center_sapporo, effective_date=days_ago(3))
    log(center_sapporo, [otaru], advance=[otaru], date=days_ago(10))
    progress = progress_of(otaru)
    assert (progress.stage, progress.stage_date) == (Stage.DONE, days_ago(3))


def test_advance_of_a_local_government_not_named_is_refused(otaru, center_sapporo):
    other = Office.objects.get(code="sapporo").municipalities.exclude(pk=otaru.pk).first()
    with pytest.raises(ValidationError):
        log(center_sapporo, [otaru], advance=[other])
    assert not Activity.objects.exists()


def test_activity_in_the_future_is_refused(otaru, center_sapporo):
    with pytest.raises(ValidationError):
        log(center_sapporo, [otaru], date=days_ago(-1))
    assert not Activity.objects.exists()


def test_follow_up_before_the_activity_is_refused(otaru, center_sapporo):
    with pytest.raises(ValidationError):
        log(center_sapporo, [otaru], follow_up_on=days_ago(8))


def test_follow_up_in_the_future_is_accepted(otaru, center_sapporo):
    activity = log(center_sapporo, [otaru], follow_up_on=days_ago(-30))
    assert activity.follow_up_on == days_ago(-30)


def test_activity_without_local_governments_is_refused(center_sapporo):
    with pytest.raises(ValidationError):
        log(center_sapporo, [])


def test_activity_for_a_retired_item_is_refused(otaru, center_sapporo):
    RequestItem.objects.filter(code="2-5").update(is_active=False)
    with pytest.raises(ValidationError):
        log(center_sapporo, [otaru], code="2-5")


def test_relay_activity_naming_a_municipality_is_refused(otaru, center_sapporo):
    with pytest.raises(ValidationError):
        log(center_sapporo, [otaru], code="0-1", kind=Activity.Kind.OTHER)


def test_relay_activity_moves_the_prefectural_government(hokkaido_government, bureau_hokkaido):
    log(bureau_hokkaido, [hokkaido_government], code="0-1", kind=Activity.Kind.OTHER, advance=[hokkaido_government])
    assert progress_of(hokkaido_government, "0-1").stage == Stage.DONE


def test_activity_for_another_center_is_refused(otaru, center_hakodate):
    with pytest.raises(PermissionDenied):
        log(center_hakodate, [otaru], office="sapporo")


def test_activity_with_a_local_government_out_of_scope_is_refused(hakodate_city, center_sapporo):
    with pytest.raises(PermissionDenied):
        log(center_sapporo, [hakodate_city])


def test_activity_by_a_viewer_is_refused(otaru, viewer_sapporo):
    with pytest.raises(PermissionDenied):
        log(viewer_sapporo, [otaru])


def test_activity_by_a_local_government_officer_is_refused(otaru, lg_otaru):
    with pytest.raises(PermissionDenied):
        log(lg_otaru, [otaru])


def test_activity_evidence_for_another_item_is_refused(otaru, center_sapporo):
    activity = log(center_sapporo, [otaru], code="2-2")
    with pytest.raises(ValidationError):
        progress_update(progress=progress_of(otaru, "1-1"), stage=Stage.DONE, by=center_sapporo, activity=activity)


def test_activity_evidence_for_a_local_government_not_named_is_refused(otaru, center_sapporo):
    activity = log(center_sapporo, [otaru])
    other = Office.objects.get(code="sapporo").municipalities.exclude(pk=otaru.pk).first()
    with pytest.raises(ValidationError):
        progress_update(progress=progress_of(other), stage=Stage.DONE, by=center_sapporo, activity=activity)


def test_follow_up_done_is_recorded(otaru, center_sapporo):
    activity = log(center_sapporo, [otaru], follow_up_on=days_ago(1))
    activity_follow_up_done(activity=activity, by=center_sapporo)
    assert Activity.objects.get(pk=activity.pk).follow_up_done is True


def test_follow_up_done_by_another_center_is_refused(otaru, center_sapporo, center_hakodate):
    activity = log(center_sapporo, [otaru], follow_up_on=days_ago(1))
    with pytest.raises(PermissionDenied):
        activity_follow_up_done(activity=activity, by=center_hakodate)


# Attachments


def upload(name: str, content: bytes, content_type: str = "application/octet-stream") -> SimpleUploadedFile:
    return SimpleUploadedFile(name, content, content_type=content_type)


@pytest.mark.parametrize(
    "name, content, stored_type",
    [
        ("議事録.pdf", PDF, "application/pdf"),
        ("会場.PNG", PNG, "image/png"),
        ("参加者.xlsx", XLSX, "application/vnd.openxmlformats-officedocument.spreadsheetml.sheet"),
    ],
)
def test_attachment_of_an_allowed_type_is_kept_with_the_type_of_its_extension(
    otaru, center_sapporo, name, content, stored_type
):
    activity = log(center_sapporo, [otaru], files=[upload(name, content, content_type="text/html")])
    attachment = activity.attachments.get()
    assert (attachment.original_name, attachment.content_type, attachment.size) == (name, stored_type, len(content))
    with attachment.file.open("rb") as handle:
        assert handle.read() == content


@pytest.mark.parametrize("name", ["page.html", "script.js", "archive.zip", "noextension"])
def test_attachment_of_another_type_is_refused(otaru, center_sapporo, name):
    with pytest.raises(ValidationError):
        log(center_sapporo, [otaru], files=[upload(name, PDF)])
    assert not Activity.objects.exists()


def test_attachment_whose_content_is_not_its_type_is_refused(otaru, center_sapporo):
    with pytest.raises(ValidationError):
        log(center_sapporo, [otaru], files=[upload("report.pdf", b"<html><script>alert(1)</script></html>")])


def test_empty_attachment_is_refused(otaru, center_sapporo):
    with pytest.raises(ValidationError):
        log(center_sapporo, [otaru], files=[upload("empty.pdf", b"")])


def test_attachment_over_the_size_limit_is_refused(otaru, center_sapporo, settings):
    settings.ATTACHMENT_MAX_BYTES = 1024
    with pytest.raises(ValidationError):
        log(center_sapporo, [otaru], files=[upload("big.pdf", PDF + b"0" * 1024)])
    assert not Attachment.objects.exists()


def test_attachment_at_the_size_limit_is_accepted(otaru, center_sapporo, settings):
    settings.ATTACHMENT_MAX_BYTES = 1024
    activity = log(center_sapporo, [otaru], files=[upload("limit.pdf", PDF + b"0" * (1024 - len(PDF)))])
    assert activity.attachments.get().size == 1024


def test_attachment_is_stored_under_the_private_root_and_linked_through_the_download_view(
    otaru, center_sapporo, settings
):
    activity = log(center_sapporo, [otaru], files=[upload("minutes.pdf", PDF)])
    attachment = activity.attachments.get()
    assert Path(attachment.file.path).is_relative_to(Path(settings.PRIVATE_MEDIA_ROOT))
    assert attachment.get_absolute_url() == reverse("cooperation:attachment_download", kwargs={"pk": attachment.pk})
    with pytest.raises(ValueError):
        attachment.file.url  # noqa: B018 - reading the property is the test


def test_attachment_added_by_another_center_is_refused(otaru, center_sapporo, center_hakodate):
    activity = log(center_sapporo, [otaru])
    with pytest.raises(PermissionDenied):
        attachment_add(activity=activity, uploaded_file=upload("minutes.pdf", PDF), by=center_hakodate)
