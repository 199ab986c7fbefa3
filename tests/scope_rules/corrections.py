"""Two-way referral steps and corrections (issue 16).

Filing to a commissioner of 小樽市's area is for whoever may file for 小樽市.
Edit and withdraw are the filing side's (小樽市's officer for a referral to the
center), before acknowledgement: the center side and viewers who see it get a
403. Reopening is for either side once closed. Correcting or cancelling an
activity is for whoever may log its center's activities; correcting a stage
change for whoever may change the local government's progress. Out of scope
is a 404 everywhere. What each POST changed in the database is asserted in
tests/cooperation/test_correction_routes.py.
"""

from cooperation.models import Progress, Stage
from cooperation.progress.services import progress_update
from cooperation.referrals.services import referral_transition
from tests.scope_rules import Rule, statuses
from tests.scope_rules.work import OTARU_HANDLE, OTARU_WRITE, POST_ONLY

OTARU_FILER_GET = statuses(
    404,
    hq=403,
    viewer_hq=403,
    bureau_hokkaido=403,
    center_sapporo=403,
    viewer_sapporo=403,
    pref_01=403,
    lg_otaru=200,
)
OTARU_FILER_POST = {role: (302 if status == 200 else status) for role, status in OTARU_FILER_GET.items()}
OTARU_EITHER_SIDE = {**OTARU_HANDLE, "lg_otaru": 302}
# The 札幌 activity with 小樽市: seen by whoever sees 小樽市, corrected by 札幌's writers.
ACTIVITY_CORRECT_GET = {role: (200 if status == 302 else status) for role, status in OTARU_HANDLE.items()}
OTARU_WRITE_GET = {**ACTIVITY_CORRECT_GET, "lg_otaru": 200}


def _referral(world):
    return {"pk": world.referral_otaru.pk}


def _closed_referral(world):
    referral = world.referral_otaru
    referral_transition(referral=referral, to_status="closed", outcome="resolved", by=None)
    return {"pk": referral.pk}


def _to_commissioner(world):
    """A referral from 小樽市 to a serving commissioner of its area (the register's 01-90001)."""
    from tests.scope_rules.commissioners import otaru_commissioner

    return {
        "direction": "to_commissioner",
        "commissioner": otaru_commissioner(world).pk,
        "municipality": world.otaru.pk,
        "received_on": world.day.isoformat(),
        "topic": "pension",
        "agency": "日本年金機構",
        "summary": "年金の受給についての相談（個人情報なし）",
    }


def _activity(world):
    return {"pk": world.activity_sapporo.pk}


def _activity_edit(world):
    activity = world.activity_sapporo
    return {
        "version": activity.version,
        "date": activity.date.isoformat(),
        "municipalities": [world.otaru.pk],
        "item": activity.item_id,
        "kind": activity.kind,
        "title": "小樽市 職員向け説明会（訂正）",
        "summary": "",
        "reason": "題名の誤記",
    }


def _otaru_change(world):
    progress = Progress.objects.get(municipality=world.otaru, item__code="1-2")
    change = progress_update(progress=progress, stage=Stage.CONSIDERING, by=None, effective_date=world.day)
    return {"pk": change.pk}


RULES = [
    # Filing to a commissioner: whoever may file for 小樽市 (its officer, or ministry staff on its behalf).
    Rule(
        name="cooperation:referral_create",
        get=statuses(
            404,
            hq=200,
            bureau_hokkaido=200,
            center_sapporo=200,
            lg_otaru=200,
            viewer_hq=403,
            viewer_sapporo=403,
            pref_01=403,
        ),
        query="municipality=012033&direction=to_commissioner",
        post=OTARU_WRITE,
        post_data=_to_commissioner,
        writes=("cooperation.Referral", "cooperation.ReferralEvent"),
        label="referral_create-to-commissioner",
    ),
    Rule(
        name="cooperation:referral_update",
        writes=("cooperation.Referral", "cooperation.ReferralEvent"),
        get=OTARU_FILER_GET,
        kwargs=_referral,
        post=OTARU_FILER_POST,
        post_data=lambda world: {
            "version": 0,
            "received_on": world.day.isoformat(),
            "topic": "tax",
            "agency": "国税庁",
            "summary": "国税の手続についての相談",
            "note": "",
        },
    ),
    Rule(
        name="cooperation:referral_withdraw",
        # The world's referral is 小樽市's first: withdrawing it also reverts the 2-3 it moved.
        writes=("cooperation.Referral", "cooperation.ReferralEvent", "cooperation.ProgressChange"),
        get=POST_ONLY,
        kwargs=_referral,
        post=OTARU_FILER_POST,
        post_data=lambda world: {"note": "重複のため"},
    ),
    Rule(
        name="cooperation:referral_reopen",
        writes=("cooperation.Referral", "cooperation.ReferralEvent"),
        get=POST_ONLY,
        kwargs=_closed_referral,
        post=OTARU_EITHER_SIDE,
        post_data=lambda world: {"reason": "再度の申出"},
    ),
    Rule(
        name="cooperation:activity_update",
        writes=("cooperation.Activity", "cooperation.ActivityVersion"),
        get=ACTIVITY_CORRECT_GET,
        kwargs=_activity,
        post=OTARU_HANDLE,
        post_data=_activity_edit,
    ),
    Rule(
        name="cooperation:activity_cancel",
        writes=("cooperation.Activity", "cooperation.ActivityVersion"),
        get=ACTIVITY_CORRECT_GET,
        kwargs=_activity,
        post=OTARU_HANDLE,
        post_data=lambda world: {"reason": "誤登録", "stages": "revert"},
    ),
    Rule(
        name="cooperation:progresschange_correct",
        writes=("cooperation.ProgressChange", "cooperation.Progress"),
        get=OTARU_WRITE_GET,
        kwargs=_otaru_change,
        post={**OTARU_HANDLE, "lg_otaru": 302},
        post_data=lambda world: {"stage": "not_started", "reason": "誤って登録"},
    ),
]
