"""Homes and the stage grid (issue 17).

"/" is the dashboard for headquarters and bureaus and a local government's own page for its officer;
centers and prefecture officers are sent (302) to their desk and prefecture page. The grid is for
those who may change stages (viewers 403); a POST on a cell outside the scope is a 404, on a cell
only seen a 403.
"""

from cooperation.models import Progress
from tests.scope_rules import Rule, statuses

WRITERS_GET = statuses(200, viewer_hq=403, viewer_sapporo=403)
OTARU_GRID_WRITE = statuses(
    404,
    hq=302,
    bureau_hokkaido=302,
    center_sapporo=302,
    lg_otaru=302,
    viewer_hq=403,
    viewer_sapporo=403,
    pref_01=403,
)


def _otaru_cell(world):
    progress = Progress.objects.get(municipality=world.otaru, item__code="1-1")
    return {
        "m": world.otaru.lg_code,
        "effective_date": world.day.isoformat(),
        "note": "",
        f"stage-{progress.pk}": "considering",
        f"was-{progress.pk}": progress.stage,
        f"version-{progress.pk}": str(progress.version),
    }


RULES = [
    Rule(
        name="cooperation:home",
        get=statuses(200, center_sapporo=302, center_hakodate=302, viewer_sapporo=302, pref_01=302),
        label="home-per-role",
    ),
    Rule(name="cooperation:dashboard", get=statuses(200)),
    Rule(name="cooperation:office_list", get=statuses(200)),
    Rule(
        name="cooperation:progress_grid",
        get=WRITERS_GET,
        post=OTARU_GRID_WRITE,
        post_data=_otaru_cell,
        writes=("cooperation.Progress", "cooperation.ProgressChange"),
    ),
]

# The relay (0-1) of 北海道庁: recorded by those who may change its progress; 北海道庁 itself included.
HOKKAIDO_RELAY_GET = statuses(
    404, hq=200, bureau_hokkaido=200, center_sapporo=200, pref_01=200, viewer_hq=403, viewer_sapporo=403
)
HOKKAIDO_RELAY_POST = statuses(
    404, hq=302, bureau_hokkaido=302, center_sapporo=302, pref_01=302, viewer_hq=403, viewer_sapporo=403
)

RULES += [
    Rule(
        name="cooperation:relay_record_create",
        get=HOKKAIDO_RELAY_GET,
        kwargs=lambda world: {"code": "01"},
        post=HOKKAIDO_RELAY_POST,
        post_data=lambda world: {"relayed_on": world.day.isoformat(), "notice_number": "第1号"},
        writes=("cooperation.RelayRecord",),
    ),
]
