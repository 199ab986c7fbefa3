"""The commissioner register: who sees which commissioners, who maintains, recommends and awards.

A commissioner of 小樽市 (served by 札幌) is seen by whoever sees 小樽市 (HQ,
the 北海道 bureau, 札幌 staff and viewers, 北海道庁, 小樽市's officer) and
maintained by ministry staff with write scope over it (commissioner.manage);
小樽市's officer records recommendations and its mayor's awards, 北海道庁 its
governor's awards. Out of scope is a 404, seen but not allowed a 403. A form
whose choice lies outside the user's scope is shown again with the error (200).
tests/cooperation/test_commissioner_views.py checks what each POST changed.
"""

import datetime

from django.core.files.uploadedfile import SimpleUploadedFile

from cooperation.fiscal import today
from tests.scope_rules import Rule, statuses
from tests.scope_rules.work import OTARU_SEE

NUMBER = "01-90001"
MANAGERS = {"hq": 302, "bureau_hokkaido": 302, "center_sapporo": 302}
MINISTRY_WRITERS = ["hq", "bureau_hokkaido", "bureau_chugoku_shikoku", "center_sapporo", "center_hakodate"]
# Seen but not maintained: 403 on writes.
SEE_ONLY = {"viewer_hq": 403, "viewer_sapporo": 403, "pref_01": 403, "lg_otaru": 403}


def otaru_commissioner(world):
    from cooperation.commissioners.models import Commissioner
    from cooperation.commissioners.services import commissioner_create

    found = Commissioner.objects.filter(number=NUMBER).first()
    if found is None:
        found = commissioner_create(
            municipality=world.otaru,
            number=NUMBER,
            name="佐藤 和夫",
            name_kana="さとう かずお",
            appointed_on=today() - datetime.timedelta(days=800),
            by=None,
        )
    return found


def _number(world):
    return {"number": otaru_commissioner(world).number}


def _new_commissioner(world):
    return {
        "municipality": world.otaru.pk,
        "name": "山田 花子",
        "name_kana": "やまだ はなこ",
        "appointed_on": world.day.isoformat(),
    }


def _edit(world):
    commissioner = otaru_commissioner(world)
    return {
        "version": commissioner.version,
        "name": "佐藤 和男",
        "name_kana": commissioner.name_kana,
        "municipality": world.otaru.pk,
    }


def _appoint(world):
    commissioner = otaru_commissioner(world)
    return {"version": commissioner.version, "starts_on": (commissioner.term_ends_on + datetime.timedelta(days=1))}


def _end(world):
    return {"version": otaru_commissioner(world).version, "status": "retired", "on": world.day.isoformat()}


def _award(world):
    otaru_commissioner(world)
    return {"conferrer": "mayor", "conferred_by": world.otaru.pk, "title": "小樽市功労者表彰", "awarded_on": world.day}


def _recommend(world):
    return {
        "municipality": world.otaru.pk,
        "name": "高橋 恵子",
        "name_kana": "たかはし けいこ",
        "recommended_on": world.day.isoformat(),
        "is_counselor": "on",
        "counselor_since": (world.day - datetime.timedelta(days=400)).isoformat(),
    }


def _register_file(world):
    from cooperation.commissioners.models import Commissioner
    from cooperation.commissioners.roundtrip import register_csv, register_rows

    otaru_commissioner(world)
    content = register_csv(*register_rows(Commissioner.objects.filter(number=NUMBER), contact=True))
    return {"file": SimpleUploadedFile("register.csv", content, content_type="text/csv")}


IMPORTERS = statuses(403, **{role: 200 for role in MINISTRY_WRITERS})


def writes(*models: str) -> dict:
    """``writes=`` for the matrix that checks what an accepted POST changed (main's Rule has it; older ones not)."""
    return {"writes": models} if "writes" in Rule.__dataclass_fields__ else {}


RULES = [
    Rule(name="cooperation:commissioner_overview", get=statuses(200), label="commissioner_overview-scope"),
    Rule(
        name="cooperation:commissioner_overview",
        query="prefecture=01",
        get=statuses(200, bureau_chugoku_shikoku=404, center_hakodate=200),
        label="commissioner_overview-prefecture",
    ),
    Rule(
        name="cooperation:commissioner_overview",
        query="office=hakodate",
        get=statuses(
            404, hq=200, viewer_hq=200, bureau_hokkaido=200, center_hakodate=200, pref_01=200, lg_hakodate=200
        ),
        label="commissioner_overview-office",
    ),
    Rule(name="cooperation:commissioner_national", get=statuses(200)),
    Rule(
        name="cooperation:commissioner_list",
        query="municipality=012033",
        get=OTARU_SEE,
        label="commissioner_list-otaru",
    ),
    Rule(
        name="cooperation:commissioner_export",
        query="municipality=012033&format=csv",
        get=OTARU_SEE,
        label="commissioner_export-otaru",
    ),
    Rule(name="cooperation:commissioner_import", get=IMPORTERS, post=IMPORTERS, post_data=_register_file),
    Rule(
        name="cooperation:commissioner_create",
        get=statuses(403, **{role: 200 for role in MINISTRY_WRITERS}),
        post=statuses(403, **MANAGERS, bureau_chugoku_shikoku=200, center_hakodate=200),
        post_data=_new_commissioner,
        **writes("cooperation.Commissioner", "cooperation.CommissionerTerm"),
    ),
    Rule(
        name="cooperation:commissioner_recommend",
        get=statuses(200, viewer_hq=403, viewer_sapporo=403, pref_01=403),
        post=statuses(
            200, **MANAGERS, lg_otaru=302, viewer_hq=403, viewer_sapporo=403, pref_01=403
        ),
        post_data=_recommend,
        **writes("cooperation.Commissioner", "cooperation.Progress", "cooperation.ProgressChange"),
    ),
    Rule(name="cooperation:commissioner_detail", kwargs=_number, get=OTARU_SEE),
    Rule(
        name="cooperation:commissioner_update",
        kwargs=_number,
        get=statuses(404, hq=200, bureau_hokkaido=200, center_sapporo=200, **SEE_ONLY),
        post=statuses(404, **MANAGERS, **SEE_ONLY),
        post_data=_edit,
        **writes("cooperation.Commissioner"),
    ),
    Rule(
        name="cooperation:commissioner_appoint",
        kwargs=_number,
        get=None,
        post=statuses(404, **MANAGERS, **SEE_ONLY),
        post_data=_appoint,
        **writes("cooperation.Commissioner", "cooperation.CommissionerTerm"),
    ),
    Rule(
        name="cooperation:commissioner_end",
        kwargs=_number,
        get=None,
        post=statuses(404, **MANAGERS, **SEE_ONLY),
        post_data=_end,
        **writes("cooperation.Commissioner"),
    ),
    Rule(
        name="cooperation:commissioner_award_create",
        kwargs=_number,
        get=statuses(
            404, hq=200, bureau_hokkaido=200, center_sapporo=200, lg_otaru=200, pref_01=200, viewer_hq=403,
            viewer_sapporo=403,
        ),
        post=statuses(404, **MANAGERS, lg_otaru=302, pref_01=200, viewer_hq=403, viewer_sapporo=403),
        post_data=_award,
        **writes("cooperation.CommissionerAward", "cooperation.Progress", "cooperation.ProgressChange"),
    ),
]  # fmt: skip
