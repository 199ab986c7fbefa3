"""The roll-up cache: every write the product can make invalidates what it must, and nothing else.

Each test reads the generation tokens (cooperation/caching/generations.py)
before and after one write and checks which changed; the page tests check the
figures a user sees on the very next request, and that 沖縄's report, cached
before a 北海道 change, is served from the cache afterwards.
"""

import datetime
import re
from http import HTTPStatus

import pytest
from django.core.management import call_command

from cooperation.activities.services import activity_create, activity_follow_up_done
from cooperation.caching import generations
from cooperation.exports import csv_bytes
from cooperation.fiscal import today
from cooperation.models import Progress, RequestItem, Stage
from cooperation.progress.services import StageChange, progress_update, progress_update_many
from cooperation.referrals.services import referral_create, referral_transition
from cooperation.reporting import rollups as reports
from cooperation.survey import HEADER, survey_apply
from offices.models import Municipality, Office, Prefecture

pytestmark = pytest.mark.django_db

HOKKAIDO, OKINAWA, AOMORI = "01", "47", "02"


def _pref(code):
    return generations.prefecture(Prefecture.objects.get(code=code).pk)


def _work(name):
    return generations.work(name)


def _names():
    stages = [generations.NATIONAL, generations.PREFECTURAL_GOVERNMENTS, _pref(HOKKAIDO), _pref(OKINAWA), _pref(AOMORI)]
    return [generations.MASTER, *stages, *(_work(name) for name in stages)]


def bumped_by(write) -> set[str]:
    """Which of the watched generations ``write()`` gave a new token."""
    names = _names()
    before = generations.tokens(names)
    write()
    after = generations.tokens(names)
    return {name for name in names if before[name] != after[name]}


def _progress(lg_code, item="1-1"):
    return Progress.objects.get(municipality__lg_code=lg_code, item__code=item)


def test_single_stage_change_bumps_its_prefecture_and_the_country_only(master):
    changed = bumped_by(lambda: progress_update(progress=_progress("012033"), stage=Stage.CONSIDERING, by=None))

    assert changed == {_pref(HOKKAIDO), generations.NATIONAL}


def test_change_of_a_prefectural_government_bumps_the_peer_generation(master):
    changed = bumped_by(lambda: progress_update(progress=_progress("010006"), stage=Stage.CONSIDERING, by=None))

    assert changed == {_pref(HOKKAIDO), generations.NATIONAL, generations.PREFECTURAL_GOVERNMENTS}


def test_bulk_stage_change_bumps_every_prefecture_it_touches(master):
    okinawa_city = Municipality.objects.filter(prefecture__code=OKINAWA).exclude(kind="prefecture").first()
    changes = [
        StageChange(progress=_progress("012033"), stage=Stage.CONSIDERING, effective_date=today()),
        StageChange(progress=_progress(okinawa_city.lg_code), stage=Stage.ARRANGING, effective_date=today()),
    ]

    changed = bumped_by(lambda: progress_update_many(changes=changes, by=None))

    assert changed == {_pref(HOKKAIDO), _pref(OKINAWA), generations.NATIONAL}


def test_survey_import_bumps_its_prefecture(master):
    content = csv_bytes(HEADER, [("012033", "小樽市", "1-2", "検討中", today().isoformat(), "")])

    changed = bumped_by(lambda: survey_apply(content=content, file_name="survey.csv", by=None))

    assert changed == {_pref(HOKKAIDO), generations.NATIONAL}


def test_activity_and_its_follow_up_bump_the_centers_prefecture(master, otaru):
    created = {}

    def log():
        created["activity"] = activity_create(
            by=None,
            municipalities=[otaru],
            office=Office.objects.get(code="sapporo"),
            item=RequestItem.objects.get(code="1-1"),
            kind="briefing",
            date=today(),
            title="説明会",
            follow_up_on=today(),
        )

    # The work generations only: a report's stage matrix or the national tally is not recomputed.
    assert bumped_by(log) == {_work(_pref(HOKKAIDO)), _work(generations.NATIONAL)}
    assert bumped_by(lambda: activity_follow_up_done(activity=created["activity"], by=None)) == {
        _work(_pref(HOKKAIDO)),
        _work(generations.NATIONAL),
    }


def test_referral_filing_and_moving_bump_its_prefecture(master, otaru):
    filed = {}

    def file():
        filed["referral"] = referral_create(
            by=None, municipality=otaru, received_on=today(), topic="tax", summary="相談"
        )

    # Filing the first referral may move a stage as well (RequestItem.first_referral_moves): both kinds then.
    assert bumped_by(file) >= {_work(_pref(HOKKAIDO)), _work(generations.NATIONAL)}
    changed = bumped_by(lambda: referral_transition(referral=filed["referral"], to_status="acknowledged", by=None))
    assert changed == {_work(_pref(HOKKAIDO)), _work(generations.NATIONAL)}


def test_master_data_load_bumps_everything(master):
    changed = bumped_by(lambda: call_command("load_master_data", verbosity=0, stdout=open("/dev/null", "w")))

    assert generations.MASTER in changed


def _cell(response, lg_code, item):
    rows = response.context["matrix"].rows
    row = next(row for row in rows if row.lg_code == lg_code)
    return next(cell.stage for cell in row.cells if cell.item_code == item)


def test_a_hokkaido_change_is_on_the_next_report_and_leaves_okinawas_cached(hq, client_for, monkeypatch):
    client = client_for(hq)
    okinawa_code = Municipality.objects.filter(prefecture__code=OKINAWA).first().lg_code
    assert _cell(client.get("/prefectures/01/"), "012033", "1-1") == Stage.NOT_STARTED
    assert client.get("/prefectures/47/").status_code == HTTPStatus.OK
    assert client.get("/dashboard/").status_code == HTTPStatus.OK

    progress_update(progress=_progress("012033"), stage=Stage.DONE, by=hq)

    computed = []
    original = reports.prefecture_matrix
    monkeypatch.setattr(reports, "prefecture_matrix", lambda *a, **k: computed.append(1) or original(*a, **k))
    okinawa = client.get("/prefectures/47/")
    assert computed == [], "沖縄's report was recomputed after a change in 北海道"
    assert _cell(okinawa, okinawa_code, "1-1") == Stage.NOT_STARTED
    assert _cell(client.get("/prefectures/01/"), "012033", "1-1") == Stage.DONE
    assert computed == [1]
    dashboard = client.get("/dashboard/")
    assert dashboard.context["changes"][0].lg_code == "012033"
    hokkaido_tile = next(tile for tile in dashboard.context["tiles"] if tile.code == HOKKAIDO)
    assert hokkaido_tile.share.adopted == 1


def test_the_desk_shows_a_change_on_the_next_request(center_sapporo, client_for, otaru):
    client = client_for(center_sapporo)

    def adopted():
        html = client.get("/offices/sapporo/").content.decode()
        row = html.split('id="lg-012033"')[1].split("</tr>")[0]
        return int(re.search(r'<td class="work-number">(\d+) / \d+</td>', row).group(1))

    assert adopted() == 0
    assert adopted() == 0  # from the cache
    progress_update(progress=_progress("012033"), stage=Stage.DONE, by=center_sapporo)
    assert adopted() == 1


def test_a_cached_entry_is_shared_by_users_of_the_same_scope_only(
    hq, viewer_hq, center_sapporo, client_for, monkeypatch
):
    computed = []
    original = reports.stage_tally
    monkeypatch.setattr(reports, "stage_tally", lambda *a, **k: computed.append(1) or original(*a, **k))

    client_for(hq).get("/dashboard/")
    client_for(viewer_hq).get("/dashboard/")
    assert computed == [1], "headquarters and its viewer see the same country: one computation"
    sapporo = client_for(center_sapporo).get("/dashboard/")
    assert computed == [1, 1]
    shown = {tile.code for tile in sapporo.context["tiles"] if tile.share is not None}
    assert shown == {HOKKAIDO}


def test_a_past_day_is_a_key_of_its_own(hq, client_for):
    client = client_for(hq)
    day = (today() - datetime.timedelta(days=400)).isoformat()
    progress_update(progress=_progress("012033"), stage=Stage.DONE, by=hq)

    assert _cell(client.get("/prefectures/01/"), "012033", "1-1") == Stage.DONE
    assert _cell(client.get(f"/prefectures/01/?as_of={day}"), "012033", "1-1") == Stage.NOT_STARTED


def test_after_a_hokkaido_change_the_national_tally_recomputes_hokkaido_only(hq, client_for, monkeypatch):
    client = client_for(hq)
    client.get("/dashboard/")
    progress_update(progress=_progress("012033"), stage=Stage.DONE, by=hq)
    counted = []
    original = reports.stage_tally

    def spy(progress, **kwargs):
        counted.append(set(progress.current().values_list("municipality__prefecture__code", flat=True).distinct()))
        return original(progress, **kwargs)

    monkeypatch.setattr(reports, "stage_tally", spy)

    dashboard = client.get("/dashboard/")

    assert counted == [{HOKKAIDO}]
    tiles = {tile.code: tile.share for tile in dashboard.context["tiles"]}
    assert tiles[HOKKAIDO].adopted == 1 and tiles[OKINAWA].total > 0 and len(tiles) == 47


def test_the_dashboards_rendered_fragment_shows_a_change_on_the_next_request(center_sapporo, client_for):
    client = client_for(center_sapporo)

    def latest_changes_html():
        html = client.get("/dashboard/").content.decode()
        return html[html.index('id="changes-heading"') :]

    assert "小樽市" not in latest_changes_html()
    assert "小樽市" not in latest_changes_html()  # the fragment from the cache
    progress_update(progress=_progress("012033"), stage=Stage.DONE, by=center_sapporo)
    assert "小樽市" in latest_changes_html()


def test_an_activity_is_counted_on_the_next_request_and_the_stage_tally_stays_cached(hq, client_for, monkeypatch):
    """Work and stages have generations of their own: an activity recounts the year, not the stage matrix."""
    client = client_for(hq)

    def briefings():
        counts = client.get("/dashboard/").context["counts"]
        return next(entry.count for entry in counts.activities if entry.kind == "briefing")

    before = briefings()
    assert briefings() == before  # from the cache
    tallied, matrices = [], []
    original_tally, original_matrix = reports.stage_tally, reports.prefecture_matrix
    monkeypatch.setattr(reports, "stage_tally", lambda *a, **k: tallied.append(1) or original_tally(*a, **k))
    client.get("/prefectures/01/")
    monkeypatch.setattr(reports, "prefecture_matrix", lambda *a, **k: matrices.append(1) or original_matrix(*a, **k))
    activity_create(
        by=None,
        municipalities=[Municipality.objects.get(lg_code="012033")],
        office=Office.objects.get(code="sapporo"),
        item=RequestItem.objects.get(code="1-1"),
        kind="briefing",
        date=today(),
        title="説明会",
    )

    assert briefings() == before + 1
    assert client.get("/prefectures/01/").status_code == HTTPStatus.OK
    assert tallied == [] and matrices == [], "an activity changes no stage: nothing of the stages is recomputed"
