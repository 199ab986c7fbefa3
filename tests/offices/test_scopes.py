"""What each role may see and change: offices/scopes.py through every visible_to / editable_by."""

import datetime

import pytest
from django.contrib.auth.models import AnonymousUser
from django.core.exceptions import PermissionDenied
from django.core.files.uploadedfile import SimpleUploadedFile
from django.db import connection
from django.test.utils import CaptureQueriesContext

from cooperation.activities.services import activity_create
from cooperation.fiscal import today
from cooperation.models import Activity, ImportBatch, Progress, ProgressChange, Referral, RequestItem
from cooperation.progress.services import StageChange, progress_update, progress_update_many
from cooperation.referrals.services import referral_create
from offices import policies, scopes
from offices.models import Municipality, Office, Role, User
from tests.conftest import make_user

pytestmark = pytest.mark.usefixtures("master")

HOKKAIDO_LOCAL_GOVERNMENTS = 179 + 1  # municipalities and the prefectural government
CHUGOKU_SHIKOKU_PREFECTURES = ["31", "32", "33", "34", "35", "36", "37", "38", "39"]


def visible_codes(user) -> set[str]:
    return set(Municipality.objects.visible_to(user).values_list("lg_code", flat=True))


def editable_codes(user) -> set[str]:
    return set(Municipality.objects.editable_by(user).values_list("lg_code", flat=True))


def fresh(user) -> User:
    """The user as a new request would load it (no cached roles)."""
    return User.objects.get(pk=user.pk)


def add_role(user, kind, read_only=False, **target) -> User:
    Role.objects.create(user=user, kind=kind, read_only=read_only, **target)
    return fresh(user)


@pytest.fixture
def day():
    return today() - datetime.timedelta(days=5)


def log_activity(office_code, municipality, day):
    return activity_create(
        by=None,
        municipalities=[municipality],
        office=Office.objects.get(code=office_code),
        item=RequestItem.objects.get(code="1-1"),
        kind="briefing",
        date=day,
        title="説明会",
        summary="",
        files=[SimpleUploadedFile("minutes.pdf", b"%PDF-1.4 test", content_type="application/pdf")],
    )


def file_referral(municipality, day):
    return referral_create(by=None, municipality=municipality, received_on=day, topic="pension", summary="年金の相談")


def import_change(municipality, day, by=None):
    batch = ImportBatch.objects.create(file_name="survey.xlsx", sha256="0" * 64, created_by=by)
    progress = Progress.objects.get(municipality=municipality, item__code="1-2")
    progress_update_many(
        changes=[StageChange(progress=progress, stage="considering", effective_date=day)],
        by=None,
        import_batch=batch,
    )
    return batch


# --- Municipality ---------------------------------------------------------------------------


def test_headquarters_sees_and_changes_every_local_government(hq):
    assert Municipality.objects.visible_to(hq).count() == Municipality.objects.count()
    assert Municipality.objects.editable_by(hq).count() == Municipality.objects.count()


def test_bureau_sees_all_of_hokkaido_and_nothing_of_aomori(bureau_hokkaido):
    visible = Municipality.objects.visible_to(bureau_hokkaido)
    assert visible.count() == HOKKAIDO_LOCAL_GOVERNMENTS
    assert set(visible.values_list("prefecture__code", flat=True)) == {"01"}


def test_bureau_changes_all_of_hokkaido(bureau_hokkaido):
    assert Municipality.objects.editable_by(bureau_hokkaido).count() == HOKKAIDO_LOCAL_GOVERNMENTS


def test_bureau_of_chugoku_shikoku_sees_the_towns_of_kagawa(bureau_chugoku_shikoku):
    towns = Municipality.objects.filter(prefecture__code="37", kind="town")
    kagawa_towns = set(towns.values_list("lg_code", flat=True))
    assert kagawa_towns
    assert kagawa_towns <= visible_codes(bureau_chugoku_shikoku)
    assert kagawa_towns <= editable_codes(bureau_chugoku_shikoku)


def test_bureau_of_chugoku_shikoku_sees_exactly_its_nine_prefectures(bureau_chugoku_shikoku):
    prefectures = Municipality.objects.visible_to(bureau_chugoku_shikoku).values_list("prefecture__code", flat=True)
    assert sorted(set(prefectures)) == CHUGOKU_SHIKOKU_PREFECTURES


def test_shikoku_branch_sees_kagawa_but_not_hiroshima(master):
    branch = make_user("bureau-shikoku", "bureau", "region", "shikoku")
    prefectures = set(Municipality.objects.visible_to(branch).values_list("prefecture__code", flat=True))
    assert prefectures == {"36", "37", "38", "39"}


def test_center_sapporo_sees_and_changes_otaru(center_sapporo):
    assert "012033" in visible_codes(center_sapporo)
    assert "012033" in editable_codes(center_sapporo)


def test_center_hakodate_does_not_see_otaru(center_hakodate):
    assert "012033" not in visible_codes(center_hakodate)


def test_center_hakodate_sees_the_rest_of_shiribeshi(center_hakodate):
    shiribeshi = set(
        Municipality.objects.filter(subprefecture="後志").exclude(lg_code="012033").values_list("lg_code", flat=True)
    )
    assert shiribeshi
    assert shiribeshi <= visible_codes(center_hakodate)


def test_center_sees_exactly_the_local_governments_it_serves(center_sapporo):
    served = set(Municipality.objects.filter(office__code="sapporo").values_list("lg_code", flat=True))
    assert visible_codes(center_sapporo) == served


def test_prefecture_officer_reads_every_local_government_of_its_prefecture(pref_01):
    assert Municipality.objects.visible_to(pref_01).count() == HOKKAIDO_LOCAL_GOVERNMENTS
    assert "012033" in visible_codes(pref_01)


def test_prefecture_officer_changes_only_its_prefectural_government(pref_01):
    assert editable_codes(pref_01) == {"010006"}


def test_local_government_officer_sees_only_itself(lg_otaru):
    assert visible_codes(lg_otaru) == {"012033"}
    assert editable_codes(lg_otaru) == {"012033"}


def test_viewer_sees_what_its_role_sees(viewer_sapporo, center_sapporo):
    assert visible_codes(viewer_sapporo) == visible_codes(center_sapporo)


def test_viewer_changes_nothing(viewer_sapporo, viewer_hq):
    assert editable_codes(viewer_sapporo) == set()
    assert editable_codes(viewer_hq) == set()


def test_several_roles_see_the_union(center_hakodate, otaru):
    user = add_role(center_hakodate, "municipality", municipality=otaru)
    assert "012033" in visible_codes(user)
    assert "012025" in visible_codes(user)


def test_a_read_only_second_role_adds_nothing_to_change(center_hakodate, otaru):
    user = add_role(center_hakodate, "municipality", read_only=True, municipality=otaru)
    assert "012033" in visible_codes(user)
    assert "012033" not in editable_codes(user)


def test_user_without_a_role_sees_nothing(master):
    user = User.objects.create_user(username="nobody", password="pass-for-tests-123")
    assert visible_codes(user) == set()


def test_inactive_user_sees_nothing(center_sapporo):
    center_sapporo.is_active = False
    center_sapporo.save()
    assert visible_codes(fresh(center_sapporo)) == set()


def test_anonymous_sees_nothing(master):
    assert visible_codes(AnonymousUser()) == set()


# --- Office (the center desk) ----------------------------------------------------------------


def test_center_desk_is_visible_to_its_own_staff_only(center_sapporo):
    assert list(Office.objects.visible_to(center_sapporo).values_list("code", flat=True)) == ["sapporo"]


def test_bureau_sees_the_desks_of_its_region(bureau_hokkaido):
    codes = set(Office.objects.visible_to(bureau_hokkaido).values_list("code", flat=True))
    assert codes == {"sapporo", "hakodate", "asahikawa", "kushiro"}


def test_bureau_of_chugoku_shikoku_sees_the_desks_of_its_branch(bureau_chugoku_shikoku):
    codes = set(Office.objects.visible_to(bureau_chugoku_shikoku).values_list("code", flat=True))
    assert {"kagawa", "tokushima", "ehime", "kochi", "hiroshima"} <= codes
    assert "sapporo" not in codes


@pytest.mark.parametrize("role", ["pref_01", "lg_otaru", "lg_sapporo"])
def test_desks_are_invisible_to_local_government_officers(role, request):
    assert not Office.objects.visible_to(request.getfixturevalue(role)).exists()


def test_viewer_sees_desks_but_may_not_work_at_them(viewer_sapporo):
    assert Office.objects.visible_to(viewer_sapporo).count() == 1
    assert not Office.objects.editable_by(viewer_sapporo).exists()


def test_center_works_only_at_its_own_desk(center_hakodate):
    assert list(Office.objects.editable_by(center_hakodate).values_list("code", flat=True)) == ["hakodate"]


# --- Progress --------------------------------------------------------------------------------


def test_center_sapporo_may_change_otaru_progress(center_sapporo, otaru):
    assert policies.can(center_sapporo, policies.PROGRESS_CHANGE, otaru)


def test_center_hakodate_sees_no_progress_of_otaru(center_hakodate, otaru):
    assert not Progress.objects.visible_to(center_hakodate).filter(municipality=otaru).exists()


def test_prefecture_officer_reads_otaru_progress_but_may_not_change_it(pref_01, otaru):
    assert Progress.objects.visible_to(pref_01).filter(municipality=otaru).exists()
    assert not policies.can(pref_01, policies.PROGRESS_CHANGE, otaru)


def test_prefecture_officer_may_change_its_relay_item(pref_01, hokkaido_government):
    everyone = Municipality.objects.values_list("pk", flat=True)
    assert policies.permitted_ids(pref_01, policies.PROGRESS_CHANGE, everyone) == {hokkaido_government.pk}


def test_prefecture_officer_moves_its_relay_stage_through_the_service(pref_01, hokkaido_government):
    progress = Progress.objects.get(municipality=hokkaido_government, item__code="0-1")
    progress_update(progress=progress, stage="done", by=pref_01)
    assert Progress.objects.get(pk=progress.pk).stage == "done"


def test_prefecture_officer_is_refused_a_change_to_otaru(pref_01, otaru):
    progress = Progress.objects.get(municipality=otaru, item__code="1-1")
    with pytest.raises(PermissionDenied):
        progress_update(progress=progress, stage="considering", by=pref_01)


def test_local_government_officer_sees_only_its_own_progress(lg_otaru, otaru):
    codes = set(Progress.objects.visible_to(lg_otaru).values_list("municipality__lg_code", flat=True))
    assert codes == {"012033"}


def test_progress_history_follows_progress_scope(center_sapporo, center_hakodate, otaru):
    progress = Progress.objects.get(municipality=otaru, item__code="1-1")
    progress_update(progress=progress, stage="considering", by=center_sapporo)
    assert ProgressChange.objects.visible_to(center_sapporo).filter(progress=progress).exists()
    assert not ProgressChange.objects.visible_to(center_hakodate).filter(progress=progress).exists()


# --- Activity --------------------------------------------------------------------------------


def test_activity_of_sapporo_with_otaru_is_visible_to_sapporo_and_otaru(center_sapporo, lg_otaru, otaru, day):
    activity = log_activity("sapporo", otaru, day)
    assert Activity.objects.visible_to(center_sapporo).filter(pk=activity.pk).exists()
    assert Activity.objects.visible_to(lg_otaru).filter(pk=activity.pk).exists()


def test_activity_of_sapporo_is_invisible_to_hakodate(center_hakodate, lg_hakodate, otaru, day):
    activity = log_activity("sapporo", otaru, day)
    assert not Activity.objects.visible_to(center_hakodate).filter(pk=activity.pk).exists()
    assert not Activity.objects.visible_to(lg_hakodate).filter(pk=activity.pk).exists()


def test_activity_is_editable_by_its_center_only(center_sapporo, center_hakodate, otaru, day):
    activity = log_activity("sapporo", otaru, day)
    assert policies.can(center_sapporo, policies.ACTIVITY_CHANGE, activity.office_id)
    assert not policies.can(center_hakodate, policies.ACTIVITY_CHANGE, activity.office_id)


def test_local_government_officer_may_not_edit_activities(lg_otaru, otaru, day):
    activity = log_activity("sapporo", otaru, day)
    assert not policies.can(lg_otaru, policies.ACTIVITY_CHANGE, activity.office_id)


def test_prefecture_officer_reads_activities_in_its_prefecture(pref_01, otaru, day):
    activity = log_activity("sapporo", otaru, day)
    assert Activity.objects.visible_to(pref_01).filter(pk=activity.pk).exists()
    assert not policies.can(pref_01, policies.ACTIVITY_CHANGE, activity.office_id)


def test_bureau_of_chugoku_shikoku_sees_a_kagawa_activity(bureau_chugoku_shikoku, bureau_hokkaido, day):
    town = Municipality.objects.filter(prefecture__code="37", kind="town").first()
    activity = log_activity("kagawa", town, day)
    assert Activity.objects.visible_to(bureau_chugoku_shikoku).filter(pk=activity.pk).exists()
    assert not Activity.objects.visible_to(bureau_hokkaido).filter(pk=activity.pk).exists()


# --- Referral --------------------------------------------------------------------------------


def test_otaru_officer_does_not_see_hakodate_referrals(lg_otaru, hakodate_city, day):
    referral = file_referral(hakodate_city, day)
    assert not Referral.objects.visible_to(lg_otaru).filter(pk=referral.pk).exists()


def test_otaru_officer_sees_its_own_referral(lg_otaru, otaru, day):
    referral = file_referral(otaru, day)
    assert list(Referral.objects.visible_to(lg_otaru)) == [referral]


def test_otaru_referral_is_handled_by_sapporo_not_hakodate(center_sapporo, center_hakodate, otaru, day):
    referral = file_referral(otaru, day)
    assert Referral.objects.visible_to(center_sapporo).filter(pk=referral.pk).exists()
    assert not Referral.objects.visible_to(center_hakodate).filter(pk=referral.pk).exists()
    assert policies.can(center_sapporo, policies.REFERRAL_HANDLE, referral.municipality_id)


def test_viewer_may_see_but_not_handle_a_referral(viewer_sapporo, otaru, day):
    referral = file_referral(otaru, day)
    assert Referral.objects.visible_to(viewer_sapporo).filter(pk=referral.pk).exists()
    assert not policies.can(viewer_sapporo, policies.REFERRAL_HANDLE, referral.municipality_id)


def test_local_government_officer_files_but_does_not_handle_referrals(lg_otaru, otaru, day):
    referral = referral_create(by=lg_otaru, municipality=otaru, received_on=day, topic="tax", summary="国税の相談")
    assert not policies.can(lg_otaru, policies.REFERRAL_HANDLE, referral.municipality_id)


def test_local_government_officer_may_not_file_for_another(lg_otaru, hakodate_city, day):
    with pytest.raises(PermissionDenied):
        referral_create(by=lg_otaru, municipality=hakodate_city, received_on=day, topic="tax", summary="x")


# --- ImportBatch -----------------------------------------------------------------------------


def test_import_touching_otaru_is_visible_to_sapporo_not_hakodate(center_sapporo, center_hakodate, otaru, day):
    batch = import_change(otaru, day)
    assert ImportBatch.objects.visible_to(center_sapporo).filter(pk=batch.pk).exists()
    assert not ImportBatch.objects.visible_to(center_hakodate).filter(pk=batch.pk).exists()


def test_import_is_visible_to_whoever_ran_it(lg_hakodate, otaru, day):
    batch = import_change(otaru, day, by=lg_hakodate)
    assert ImportBatch.objects.visible_to(lg_hakodate).filter(pk=batch.pk).exists()


def test_import_touching_otaru_is_invisible_to_hakodate_officer(lg_hakodate, otaru, day):
    batch = import_change(otaru, day)
    assert not ImportBatch.objects.visible_to(lg_hakodate).filter(pk=batch.pk).exists()


# --- Helpers and cost ------------------------------------------------------------------------


def test_ministry_staff_excludes_local_government_officers(center_sapporo, pref_01, lg_otaru):
    assert scopes.is_ministry_staff(center_sapporo)
    assert not scopes.is_ministry_staff(pref_01)
    assert not scopes.is_ministry_staff(lg_otaru)


def test_viewer_can_write_nothing(viewer_hq, hq):
    assert not scopes.can_write_anything(viewer_hq)
    assert scopes.can_write_anything(hq)


@pytest.mark.parametrize(
    "role, expected",
    [("hq", True), ("bureau_hokkaido", True), ("viewer_hq", False), ("center_sapporo", False), ("pref_01", False)],
)
def test_only_headquarters_and_bureaus_manage_users(role, expected, request):
    assert scopes.can_manage_users(request.getfixturevalue(role)) is expected


def test_roles_are_read_in_one_query(bureau_chugoku_shikoku, django_assert_num_queries):
    user = fresh(bureau_chugoku_shikoku)
    with django_assert_num_queries(1):
        user.scope_roles  # noqa: B018
    with django_assert_num_queries(0):
        scopes.municipality_scope_q(user)
        scopes.municipality_scope_q(user, write=True)
        scopes.office_scope_q(user)
        scopes.manageable_users_q(user)
        scopes.can_manage_users(user)


def test_a_scoped_count_is_one_query_once_roles_are_read(bureau_chugoku_shikoku, django_assert_num_queries):
    user = fresh(bureau_chugoku_shikoku)
    user.scope_roles  # noqa: B018
    with django_assert_num_queries(1):
        Municipality.objects.visible_to(user).count()


def test_scope_queries_do_not_grow_with_the_number_of_roles(master):
    user = make_user("many-roles", "center", "office", "sapporo")
    for code in ["hakodate", "asahikawa", "kushiro", "aomori"]:
        Role.objects.create(user=user, kind="center", office=Office.objects.get(code=code))
    user = fresh(user)
    with CaptureQueriesContext(connection) as captured:
        Municipality.objects.visible_to(user).count()
    assert len(captured) == 2
