"""Local government page, center desk, activities, referrals.

小樽市 (served by 札幌) is seen by HQ, the 北海道 bureau, 札幌 staff and viewers,
北海道庁 and its own officer, and changed by those of them who are not read only
(北海道庁 sees but may not change it). 函館市 is the mirror case for 函館.
Writes by those who see but may not change are 403; out of scope is 404.
"""

import datetime

from cooperation.fiscal import today
from cooperation.models import Activity, Progress
from tests.scope_rules import Rule, statuses

OTARU_SEE = statuses(
    404,
    hq=200,
    viewer_hq=200,
    bureau_hokkaido=200,
    center_sapporo=200,
    viewer_sapporo=200,
    pref_01=200,
    lg_otaru=200,
)
HAKODATE_SEE = statuses(
    404,
    hq=200,
    viewer_hq=200,
    bureau_hokkaido=200,
    center_hakodate=200,
    pref_01=200,
    lg_hakodate=200,
)
# Writes on 小樽市: done (302) by those who may change it, 403 for those who only see it.
OTARU_WRITE = statuses(
    404,
    hq=302,
    bureau_hokkaido=302,
    center_sapporo=302,
    lg_otaru=302,
    viewer_hq=403,
    viewer_sapporo=403,
    pref_01=403,
)
HAKODATE_WRITE = statuses(
    404,
    hq=302,
    bureau_hokkaido=302,
    center_hakodate=302,
    lg_hakodate=302,
    viewer_hq=403,
    pref_01=403,
)
# Handling on 小樽市's behalf is for ministry staff with write scope only.
OTARU_HANDLE = statuses(
    404,
    hq=302,
    bureau_hokkaido=302,
    center_sapporo=302,
    viewer_hq=403,
    viewer_sapporo=403,
    pref_01=403,
    lg_otaru=403,
)
POST_ONLY = statuses(405)
MINISTRY_WRITERS = statuses(
    403, hq=200, bureau_hokkaido=200, bureau_chugoku_shikoku=200, center_sapporo=200, center_hakodate=200
)


def _stage_post(municipality, code="1-1"):
    def data(world):
        progress = Progress.objects.filter(municipality=municipality(world), item__code=code).first()
        return {
            "version": progress.version if progress else 0,
            "stage": "considering",
            "effective_date": world.day.isoformat(),
            "note": "",
        }

    return data


def _lg(municipality, code="1-1"):
    return lambda world: {"lg_code": municipality(world).lg_code, "item": code}


def _otaru(world):
    return world.otaru


def _hakodate(world):
    return world.hakodate_city


def _activity_post(world):
    return {
        "date": world.day.isoformat(),
        "office": world.sapporo_office.pk,
        "municipalities": [world.otaru.pk],
        "item": world.item_briefing.pk,
        "kind": "briefing",
        "title": "小樽市 職員向け説明会（第2回）",
        "summary": "",
        "advance": "on",
    }


def _with_follow_up(world):
    """The 札幌 activity with a follow-up that fell due yesterday."""
    activity = world.activity_sapporo
    Activity.objects.filter(pk=activity.pk).update(follow_up_on=today() - datetime.timedelta(days=1))
    return {"pk": activity.pk}


def _referral_post(world):
    return {
        "municipality": world.otaru.pk,
        "received_on": world.day.isoformat(),
        "topic": "tax",
        "agency": "国税庁",
        "summary": "国税の手続についての相談（個人情報なし）",
    }


RULES = [
    Rule(name="cooperation:municipality_detail", get=OTARU_SEE, kwargs=lambda world: {"lg_code": "012033"}),
    Rule(
        name="cooperation:municipality_detail",
        get=HAKODATE_SEE,
        kwargs=lambda world: {"lg_code": "012025"},
        label="municipality_detail-hakodate",
    ),
    Rule(
        name="cooperation:progress_update",
        get=POST_ONLY,
        kwargs=_lg(_otaru),
        post=OTARU_WRITE,
        post_data=_stage_post(_otaru),
        writes=("cooperation.Progress", "cooperation.ProgressChange"),
    ),
    Rule(
        name="cooperation:progress_update",
        get=POST_ONLY,
        kwargs=_lg(_hakodate),
        post=HAKODATE_WRITE,
        post_data=_stage_post(_hakodate),
        writes=("cooperation.Progress", "cooperation.ProgressChange"),
        label="progress_update-hakodate",
    ),
    # Item 0-1 applies to prefectural governments only: never offered to 小樽市, even to HQ.
    Rule(
        name="cooperation:progress_update",
        get=POST_ONLY,
        kwargs=_lg(_otaru, "0-1"),
        post=statuses(404),
        post_data=_stage_post(_otaru, code="0-1"),
        label="progress_update-otaru-relay",
    ),
    # 北海道庁 may change its own 0-1; 札幌 serves it; the officers of other local governments do not see it.
    Rule(
        name="cooperation:progress_update",
        get=POST_ONLY,
        kwargs=_lg(lambda world: world.hokkaido_government, "0-1"),
        post=statuses(
            404,
            hq=302,
            bureau_hokkaido=302,
            center_sapporo=302,
            pref_01=302,
            viewer_hq=403,
            viewer_sapporo=403,
        ),
        post_data=_stage_post(lambda world: world.hokkaido_government, code="0-1"),
        writes=("cooperation.Progress", "cooperation.ProgressChange"),
        label="progress_update-hokkaido-relay",
    ),
    Rule(
        name="cooperation:office_desk",
        get=statuses(404, hq=200, viewer_hq=200, bureau_hokkaido=200, center_sapporo=200, viewer_sapporo=200),
        kwargs=lambda world: {"code": "sapporo"},
    ),
    Rule(
        name="cooperation:office_desk",
        get=statuses(404, hq=200, viewer_hq=200, bureau_hokkaido=200, center_hakodate=200),
        kwargs=lambda world: {"code": "hakodate"},
        label="office_desk-hakodate",
    ),
    Rule(name="cooperation:activity_create", get=MINISTRY_WRITERS),
    Rule(
        name="cooperation:activity_create",
        get=statuses(
            403, hq=200, bureau_hokkaido=200, center_sapporo=200, bureau_chugoku_shikoku=404, center_hakodate=404
        ),
        query="office=sapporo&municipality=012033",
        post=statuses(
            403, hq=302, bureau_hokkaido=302, center_sapporo=302, bureau_chugoku_shikoku=404, center_hakodate=404
        ),
        post_data=_activity_post,
        writes=("cooperation.Activity",),
        label="activity_create-sapporo-otaru",
    ),
    Rule(
        name="cooperation:activity_detail",
        get=OTARU_SEE,
        kwargs=lambda world: {"pk": world.activity_sapporo.pk},
    ),
    Rule(
        name="cooperation:activity_detail",
        get=HAKODATE_SEE,
        kwargs=lambda world: {"pk": world.activity_hakodate.pk},
        label="activity_detail-hakodate",
    ),
    Rule(
        name="cooperation:activity_follow_up_done",
        get=POST_ONLY,
        kwargs=_with_follow_up,
        post=OTARU_HANDLE,
        writes=("cooperation.Activity",),
    ),
    Rule(
        name="cooperation:attachment_download",
        get=OTARU_SEE,
        kwargs=lambda world: {"pk": world.attachment_sapporo.pk},
    ),
    Rule(
        name="cooperation:attachment_download",
        get=HAKODATE_SEE,
        kwargs=lambda world: {"pk": world.attachment_hakodate.pk},
        label="attachment_download-hakodate",
    ),
    Rule(name="cooperation:referral_create", get=statuses(200, viewer_hq=403, viewer_sapporo=403)),
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
        query="municipality=012033",
        post=OTARU_WRITE,
        post_data=_referral_post,
        writes=("cooperation.Referral", "cooperation.ReferralEvent"),
        label="referral_create-otaru",
    ),
    Rule(
        name="cooperation:referral_detail",
        get=OTARU_SEE,
        kwargs=lambda world: {"pk": world.referral_otaru.pk},
    ),
    Rule(
        name="cooperation:referral_detail",
        get=HAKODATE_SEE,
        kwargs=lambda world: {"pk": world.referral_hakodate.pk},
        label="referral_detail-hakodate",
    ),
    Rule(
        name="cooperation:referral_transition",
        get=POST_ONLY,
        kwargs=lambda world: {"pk": world.referral_otaru.pk},
        post=OTARU_HANDLE,
        post_data=lambda world: {"to_status": "acknowledged"},
        writes=("cooperation.Referral", "cooperation.ReferralEvent"),
    ),
]
