"""The API (/api/v1/) and the account's token pages.

Every resource answers as the site's pages do for the same object: in scope
200, out of scope 404; the API is read only, so a write is 405 for every
role; a visitor without a token or session gets 401 (the schema and its
Swagger UI are public, like a printed manual).
"""

from cooperation.models import ProgressChange
from tests.scope_rules import MUNICIPAL, Rule, statuses
from tests.scope_rules.commissioners import otaru_commissioner
from tests.scope_rules.sessions import _disaster, _future_session, _otaru_series, _special_office
from tests.scope_rules.work import HAKODATE_SEE, OTARU_SEE
from tests.scope_rules.yearly import _closed_last_year, _current

READ_ONLY = statuses(405)
EVERYONE = statuses(200)
SAPPORO_CENTER_SEE = statuses(
    200, bureau_chugoku_shikoku=404, center_hakodate=404, lg_hakodate=404
)  # its staff, its bureau, HQ, and the local governments it serves (北海道庁 sees all of 北海道)


def _hq_token(world):
    from cooperation.api.services import api_token_create

    if not hasattr(world, "_hq_token"):
        world._hq_token, _key = api_token_create(by=world.users["hq"], name="matrix")
    return world._hq_token


def _change_otaru(world):
    batch = world.import_batch_otaru
    return ProgressChange.objects.filter(import_batch=batch).get()


def _rows(world):
    for name in ("activity_sapporo", "activity_hakodate", "referral_otaru", "referral_hakodate", "import_batch_otaru"):
        getattr(world, name)
    return {}


def _domains(world):
    """札幌's series of sessions with 小樽市, a disaster affecting 小樽市 with a special office, its commissioner."""
    _otaru_series(world)
    _special_office(world)
    otaru_commissioner(world)
    return {}


def _closed(world):
    _closed_last_year(world)
    return {}


# The yearly report is the ministry's, as on the site: prefecture and local government officers get 403.
MINISTRY_READ = statuses(200, **{role: 403 for role in MUNICIPAL})
MINISTRY_READ_ONLY = statuses(405, **{role: 403 for role in MUNICIPAL})  # refused before the method is looked at


def _api(name, get, kwargs=lambda world: {}, label="", post=READ_ONLY):
    return Rule(name="api:" + name, get=get, kwargs=kwargs, post=post, anonymous=401, label=label)


RULES = [
    Rule(name="api:schema", get=EVERYONE, anonymous=200),
    Rule(name="api:docs", get=EVERYONE, anonymous=200),
    _api("localgovernment-list", EVERYONE),
    _api("localgovernment-detail", OTARU_SEE, lambda world: {"lg_code": "012033"}),
    _api("localgovernment-detail", HAKODATE_SEE, lambda world: {"lg_code": "012025"}, "api-lg-detail-hakodate"),
    _api("localgovernment-progress", OTARU_SEE, lambda world: {"lg_code": "012033"}),
    _api("localgovernment-progress", HAKODATE_SEE, lambda world: {"lg_code": "012025"}, "api-lg-progress-hakodate"),
    _api("center-list", EVERYONE),
    _api("center-detail", SAPPORO_CENTER_SEE, lambda world: {"code": "sapporo"}),
    _api("item-list", EVERYONE),
    _api("item-detail", EVERYONE, lambda world: {"code": "1-1"}),
    _api("progress-list", EVERYONE, _rows),
    _api("progresschange-list", EVERYONE, _rows),
    _api("progresschange-detail", OTARU_SEE, lambda world: {"pk": _change_otaru(world).pk}),
    _api("activity-list", EVERYONE, _rows),
    _api("activity-detail", OTARU_SEE, lambda world: {"pk": world.activity_sapporo.pk}),
    _api("activity-detail", HAKODATE_SEE, lambda world: {"pk": world.activity_hakodate.pk}, "api-activity-hakodate"),
    _api("referral-list", EVERYONE, _rows),
    _api("referral-detail", OTARU_SEE, lambda world: {"pk": world.referral_otaru.pk}),
    _api("referral-detail", HAKODATE_SEE, lambda world: {"pk": world.referral_hakodate.pk}, "api-referral-hakodate"),
    # Sessions, disasters and commissioners: in scope as 小樽市's pages are (the series through its sessions).
    _api("session-list", EVERYONE, _domains),
    _api("session-detail", OTARU_SEE, lambda world: {"pk": _future_session(world).pk}),
    _api("session-detail", OTARU_SEE, lambda world: {"pk": _special_office(world).pk}, "api-special-office"),
    _api("sessionseries-list", EVERYONE, _domains),
    _api("sessionseries-detail", OTARU_SEE, lambda world: {"pk": _otaru_series(world).pk}),
    _api("disaster-list", EVERYONE, _domains),
    _api("disaster-detail", OTARU_SEE, lambda world: {"pk": _disaster(world).pk}),
    _api("commissioner-list", EVERYONE, _domains),
    _api("commissioner-detail", OTARU_SEE, lambda world: {"number": otaru_commissioner(world).number}),
    _api("fiscalyear-list", MINISTRY_READ, _closed, post=MINISTRY_READ_ONLY),
    _api("fiscalyear-detail", MINISTRY_READ, _current, post=MINISTRY_READ_ONLY),
    _api("fiscalyear-detail", MINISTRY_READ, _closed_last_year, "api-fiscal-year-closed", MINISTRY_READ_ONLY),
    _api("fiscalyear-report", MINISTRY_READ, _current, post=MINISTRY_READ_ONLY),
    _api("fiscalyear-report", MINISTRY_READ, _closed_last_year, "api-fiscal-year-report-closed", MINISTRY_READ_ONLY),
    _api("closedfigure-list", MINISTRY_READ, _closed, post=MINISTRY_READ_ONLY),
    # Any signed-in user manages its own tokens (viewers too: the API changes nothing).
    Rule(
        name="api:apitoken_list",
        get=EVERYONE,
        post=statuses(302),
        post_data=lambda world: {"name": "matrix"},
        writes=("cooperation.ApiToken", "offices.AuditEvent"),
    ),
    # Another user's token is a 404; GET is not a way to revoke.
    Rule(
        name="api:apitoken_revoke",
        get=statuses(405),
        kwargs=lambda world: {"pk": _hq_token(world).pk},
        post=statuses(404, hq=302),
        writes=("cooperation.ApiToken", "offices.AuditEvent"),
    ),
]
