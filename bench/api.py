"""The API's list endpoints in ``make bench``: each beside its floor, the bare SQL any implementation must run.

A floor reads the page's rows and the count the pagination gives, plus one
query per related list the rows carry (participants, agencies, terms …),
with the columns the response holds. The API is measured as its clients
use it, with a personal token (``Authorization: Bearer``; the pages are
measured with a signed-in session); ``BENCH_API_AUTH=session`` measures it
with the session instead, for a comparison.
"""

from __future__ import annotations

import os
import secrets

from bench import run

PAGE = run.API_PAGE


def _page_ids(statement: str, params: list) -> tuple[int, list[int]]:
    from django.db import connection

    with connection.cursor() as cursor:
        cursor.execute(statement, params)
        page = cursor.fetchall()
    return len(page), [row[0] for row in page]


def _related(statements: list[tuple[str, list]]) -> int:
    return run._run_sql(statements)


def _t(model) -> str:
    return run.table(model)


def floor_sessions(ctx) -> int:
    """One page of the country's sessions (oldest first) with center and venue; participants, agencies, figures."""
    from cooperation.sessions.models import Participant, Session, SessionFigure, Venue
    from offices.models import Municipality, Office

    s, o, v, m = _t(Session), _t(Office), _t(Venue), _t(Municipality)
    rows = run._run_sql([(f"SELECT count(*) FROM {s}", [])])
    count, ids = _page_ids(
        f"""SELECT s.id, o.code, s.kind, s.status, s.title, s.date, s.end_date, s.start_time, s.end_time,
                   v.name, v.address, vm.lg_code, v.provided_by_municipality, s.series_id, s.disaster_id,
                   s.commissioners_present, s.consultations, s.activity_id
              FROM {s} s JOIN {o} o ON o.id = s.office_id
              LEFT JOIN {v} v ON v.id = s.venue_id LEFT JOIN {m} vm ON vm.id = v.municipality_id
             ORDER BY s.date, s.start_time, s.id LIMIT {PAGE}""",
        [],
    )
    agencies = _t(Session.agencies.through)
    return (
        rows
        + count
        + _related(
            [
                (
                    f"""SELECT p.session_id, m.lg_code, p.confirmed_at FROM {_t(Participant)} p
                          JOIN {m} m ON m.id = p.municipality_id WHERE p.session_id = ANY(%s) ORDER BY m.lg_code""",
                    [ids],
                ),
                (
                    f"""SELECT sa.session_id, a.code FROM {agencies} sa JOIN cooperation_agency a ON a.id = sa.agency_id
                         WHERE sa.session_id = ANY(%s) ORDER BY a.sort_order, a.code""",
                    [ids],
                ),
                (
                    f"""SELECT session_id, field, count FROM {_t(SessionFigure)}
                         WHERE session_id = ANY(%s) ORDER BY field""",
                    [ids],
                ),
            ]
        )
    )


def floor_session_series(ctx) -> int:
    """One page of the country's session series with center and venue; their local governments and agencies."""
    from cooperation.sessions.models import SessionSeries, Venue
    from offices.models import Municipality, Office

    s, o, v, m = _t(SessionSeries), _t(Office), _t(Venue), _t(Municipality)
    rows = run._run_sql([(f"SELECT count(*) FROM {s}", [])])
    count, ids = _page_ids(
        f"""SELECT s.id, o.code, s.kind, s.title, s.recurrence, s.starts_on, s.ends_on, s.start_time, s.end_time,
                   v.name, v.address, vm.lg_code, v.provided_by_municipality
              FROM {s} s JOIN {o} o ON o.id = s.office_id
              LEFT JOIN {v} v ON v.id = s.venue_id LEFT JOIN {m} vm ON vm.id = v.municipality_id
             ORDER BY s.starts_on, s.id LIMIT {PAGE}""",
        [],
    )
    links, agencies = _t(SessionSeries.municipalities.through), _t(SessionSeries.agencies.through)
    return (
        rows
        + count
        + _related(
            [
                (
                    f"""SELECT l.sessionseries_id, m.lg_code FROM {links} l JOIN {m} m ON m.id = l.municipality_id
                         WHERE l.sessionseries_id = ANY(%s) ORDER BY m.lg_code""",
                    [ids],
                ),
                (
                    f"""SELECT l.sessionseries_id, a.code FROM {agencies} l JOIN cooperation_agency a
                            ON a.id = l.agency_id WHERE l.sessionseries_id = ANY(%s) ORDER BY a.sort_order, a.code""",
                    [ids],
                ),
            ]
        )
    )


def floor_commissioners(ctx) -> int:
    """One page of the national register (active local governments) with area, center, prefecture, contact;
    backgrounds, terms and awards of the page."""
    from cooperation.commissioners.models import Commissioner, CommissionerAward, CommissionerTerm
    from offices.models import Municipality, Office, Prefecture

    c, m, o, p = _t(Commissioner), _t(Municipality), _t(Office), _t(Prefecture)
    rows = run._run_sql([(f"SELECT count(*) FROM {c} c JOIN {m} m ON m.id = c.municipality_id WHERE m.is_active", [])])
    count, ids = _page_ids(
        f"""SELECT c.id, c.number, c.name, c.name_kana, m.lg_code, p.code, o.code, c.status, c.appointed_on,
                   c.term_ends_on, c.first_appointed_on, c.ended_on, r.lg_code, c.recommended_on, c.counselor_since,
                   c.postal_code, c.address, c.phone, c.email
              FROM {c} c JOIN {m} m ON m.id = c.municipality_id JOIN {p} p ON p.id = m.prefecture_id
              JOIN {o} o ON o.id = m.office_id LEFT JOIN {m} r ON r.id = c.recommended_by_id
             WHERE m.is_active ORDER BY m.lg_code, c.name_kana, c.number LIMIT {PAGE}""",
        [],
    )
    backgrounds = _t(Commissioner.backgrounds.through)
    return (
        rows
        + count
        + _related(
            [
                (
                    f"""SELECT l.commissioner_id, b.name_ja FROM {backgrounds} l
                          JOIN cooperation_commissionerbackground b ON b.id = l.commissionerbackground_id
                         WHERE l.commissioner_id = ANY(%s) ORDER BY b.sort_order, b.name_ja""",
                    [ids],
                ),
                (
                    f"""SELECT commissioner_id, starts_on, ends_on, is_reappointment FROM {_t(CommissionerTerm)}
                         WHERE commissioner_id = ANY(%s) ORDER BY starts_on""",
                    [ids],
                ),
                (
                    f"""SELECT a.commissioner_id, a.conferrer, m.lg_code, a.title, a.tier, a.awarded_on
                          FROM {_t(CommissionerAward)} a LEFT JOIN {m} m ON m.id = a.conferred_by_id
                         WHERE a.commissioner_id = ANY(%s) ORDER BY a.awarded_on DESC, a.id DESC""",
                    [ids],
                ),
            ]
        )
    )


def floor_disasters(ctx) -> int:
    """The country's disasters (newest first) with their bureau, prefectures and local governments."""
    from cooperation.disasters.models import Disaster
    from offices.models import Municipality, Prefecture, Region

    d = _t(Disaster)
    rows = run._run_sql([(f"SELECT count(*) FROM {d}", [])])
    count, ids = _page_ids(
        f"""SELECT d.id, d.name, d.kind, d.started_on, d.ended_on, r.code, d.declared_at FROM {d} d
              LEFT JOIN {_t(Region)} r ON r.id = d.region_id ORDER BY d.started_on DESC, d.id DESC LIMIT {PAGE}""",
        [],
    )
    return (
        rows
        + count
        + _related(
            [
                (
                    f"""SELECT l.disaster_id, p.code FROM {_t(Disaster.prefectures.through)} l
                          JOIN {_t(Prefecture)} p ON p.id = l.prefecture_id WHERE l.disaster_id = ANY(%s)
                         ORDER BY p.code""",
                    [ids],
                ),
                (
                    f"""SELECT l.disaster_id, m.lg_code FROM {_t(Disaster.municipalities.through)} l
                          JOIN {_t(Municipality)} m ON m.id = l.municipality_id WHERE l.disaster_id = ANY(%s)
                         ORDER BY m.lg_code""",
                    [ids],
                ),
            ]
        )
    )


def floor_closed_figures(ctx) -> int:
    """One page of last fiscal year's frozen figures (the close in force) with their codes, and the count."""
    t = run.tables()
    in_force = """(SELECT id FROM cooperation_fiscalyearclose WHERE year = %s AND reopened_at IS NULL
                     AND version = (SELECT max(version) FROM cooperation_fiscalyearclose WHERE year = %s))"""
    year = [ctx.fiscal_year - 1, ctx.fiscal_year - 1]
    return run._run_sql(
        [
            (f"SELECT count(*) FROM {t['figure']} WHERE close_id IN {in_force}", year),
            (
                f"""SELECT c.year, c.version, m.lg_code, i.code, p.code, o.code, f.kind, f.stage, f.stage_date,
                           f.previous_stage, f.first_adopted_on, f.municipality_active, f.item_active
                      FROM {t["figure"]} f JOIN cooperation_fiscalyearclose c ON c.id = f.close_id
                      JOIN {t["lg"]} m ON m.id = f.municipality_id JOIN {t["item"]} i ON i.id = f.item_id
                      JOIN {t["prefecture"]} p ON p.id = f.prefecture_id JOIN {t["office"]} o ON o.id = f.office_id
                     WHERE f.close_id IN {in_force}
                     ORDER BY c.year DESC, m.lg_code, i.sort_order, i.code LIMIT {PAGE}""",
                year,
            ),
        ]
    )


def floor_local_governments(ctx) -> int:
    """One page of the country's local governments with their prefecture and center codes, and the count."""
    t = run.tables()
    return run._run_sql(
        [
            (f"SELECT count(*) FROM {t['lg']}", []),
            (
                f"""SELECT m.lg_code, m.name, m.name_kana, m.kind, p.code, o.code, m.is_active FROM {t["lg"]} m
                      JOIN {t["prefecture"]} p ON p.id = m.prefecture_id JOIN {t["office"]} o ON o.id = m.office_id
                     ORDER BY m.lg_code LIMIT {PAGE}""",
                [],
            ),
        ]
    )


def floor_referrals(ctx) -> int:
    """One page of the country's referrals (newest first) with local government and center, and the count."""
    t = run.tables()
    return run._run_sql(
        [
            (f"SELECT count(*) FROM {t['referral']}", []),
            (
                f"""SELECT r.id, m.lg_code, o.code, r.received_on, r.topic, r.agency, r.status, r.outcome,
                           r.acknowledged_at, r.started_at, r.closed_at
                      FROM {t["referral"]} r JOIN {t["lg"]} m ON m.id = r.municipality_id
                      JOIN {t["office"]} o ON o.id = r.office_id
                     ORDER BY r.received_on DESC, r.id DESC LIMIT {PAGE}""",
                [],
            ),
        ]
    )


def operations(ctx) -> list:
    """The API's list endpoints (and the yearly report's tables), measured with a personal token."""
    Operation = run.Operation
    last_year = ctx.fiscal_year - 1
    # With one year of data the only year is the current one: its report is provisional, and no year is closed.
    report_year = last_year if ctx.years > 1 else ctx.fiscal_year
    api = {"auth": "token"}
    return [
        Operation(
            "api_progress",
            f"API: 北海道 progress, {PAGE} a page",
            url=f"/api/v1/progress/?prefecture=01&limit={PAGE}",
            admin_url=f"/admin/cooperation/progress/?municipality__prefecture__id__exact={ctx.hokkaido_id}",
            floor=run.floor_api_progress,
            extra=api,
        ),
        Operation(
            "api_activities",
            f"API: activities, {PAGE} a page",
            url=f"/api/v1/activities/?limit={PAGE}",
            admin_url="/admin/cooperation/activity/",
            floor=run.floor_api_activities,
            extra=api,
        ),
        Operation(
            "api_changes",
            f"API: stage changes, {PAGE} a page",
            url=f"/api/v1/progress-changes/?limit={PAGE}",
            admin_url="/admin/cooperation/progresschange/",
            floor=run.floor_api_changes,
            extra=api,
        ),
        Operation(
            "api_local_governments",
            f"API: local governments, {PAGE} a page",
            url=f"/api/v1/local-governments/?limit={PAGE}",
            admin_url="/admin/offices/municipality/",
            floor=floor_local_governments,
            extra=api,
        ),
        Operation(
            "api_referrals",
            f"API: referrals, {PAGE} a page",
            url=f"/api/v1/referrals/?limit={PAGE}",
            admin_url="/admin/cooperation/referral/",
            floor=floor_referrals,
            note="still serialised by its serializer (being extended on another branch)",
            extra=api,
        ),
        Operation(
            "api_sessions",
            f"API: sessions, {PAGE} a page",
            url=f"/api/v1/sessions/?limit={PAGE}",
            floor=floor_sessions,
            extra=api,
        ),
        Operation(
            "api_session_series",
            f"API: session series, {PAGE} a page",
            url=f"/api/v1/session-series/?limit={PAGE}",
            floor=floor_session_series,
            extra=api,
        ),
        Operation(
            "api_disasters",
            "API: disasters",
            url=f"/api/v1/disasters/?limit={PAGE}",
            floor=floor_disasters,
            extra=api,
        ),
        Operation(
            "api_commissioners",
            f"API: commissioner register, {PAGE} a page",
            url=f"/api/v1/commissioners/?limit={PAGE}",
            admin_url="/admin/cooperation/commissioner/",
            floor=floor_commissioners,
            note="headquarters: with contact details",
            extra=api,
        ),
        Operation(
            "api_closed_figures",
            f"API: closed figures of {last_year}, {PAGE} a page",
            url=f"/api/v1/closed-figures/?fiscal_year={last_year}&limit={PAGE}",
            floor=floor_closed_figures,
            note="the close in force of last fiscal year (finished years are closed first; none with BENCH_YEARS=1)",
            extra=api,
        ),
        Operation(
            "api_yearly_report",
            f"API: yearly report tables {report_year}",
            url=f"/api/v1/fiscal-years/{report_year}/report/",
            floor=run.floor_yearly_report,
            note="informational: the whole report (shares, activities, referrals), beside the floor of its shares",
            extra=api,
        ),
    ]


def token_client(user):
    """A test client authenticated as the API's clients are, with a personal token made for this run.

    Returns (client, cleanup). ``BENCH_API_AUTH=session`` gives a signed-in session instead.
    """
    from django.test import Client

    from cooperation.api.models import TOKEN_PREFIX, ApiToken, token_digest

    if os.environ.get("BENCH_API_AUTH", "token") == "session":
        client = Client()
        client.force_login(user)
        return client, lambda: None
    key = TOKEN_PREFIX + secrets.token_urlsafe(32)
    token = ApiToken.objects.create(user=user, name="bench", digest=token_digest(key), hint=key[:9])
    return Client(HTTP_AUTHORIZATION=f"Bearer {key}"), lambda: ApiToken.objects.filter(pk=token.pk).delete()
