"""The lists of local governments, activities, referrals and stage changes: scope, filters, sorting, downloads."""

import csv
import datetime
import io
from http import HTTPStatus

import openpyxl
import pytest
from django.urls import reverse
from django.utils import translation

from cooperation import exports
from cooperation.activities.services import activity_create
from cooperation.events import EXPORTED
from cooperation.fiscal import today
from cooperation.models import Activity, Progress, RequestItem, Stage
from cooperation.progress.services import progress_update
from cooperation.referrals.services import referral_create, referral_transition
from offices.models import AuditEvent, Municipality, Office

pytestmark = pytest.mark.django_db

FORMULA_TITLE = '=HYPERLINK("http://example.invalid/","click")'


def _day(days_ago: int) -> datetime.date:
    return today() - datetime.timedelta(days=days_ago)


def _lg(code: str) -> Municipality:
    return Municipality.objects.get(lg_code=code)


# The item each kind of activity is evidence for (RequestItem.evidence_kinds, issue 16).
KIND_ITEM = {
    "briefing": "1-1",
    "pr_article": "1-2",
    "exchange_meeting": "2-1",
    "joint_session": "2-2",
    "venue": "2-2",
    "disaster": "2-4",
    "recommendation": "3-1",
    "award": "3-2",
    "other": "1-1",
}


def _activity(office_code, lg_codes, title, *, days_ago=10, item=None, kind="briefing", by=None, **counts):
    return activity_create(
        by=by,
        municipalities=[_lg(code) for code in lg_codes],
        office=Office.objects.get(code=office_code),
        item=RequestItem.objects.get(code=item or KIND_ITEM[kind]),
        kind=kind,
        date=_day(days_ago),
        title=title,
        summary="",
        **counts,
    )


def _referral(lg_code, *, days_ago=10, topic="pension", agency="日本年金機構", by=None):
    return referral_create(
        by=by,
        municipality=_lg(lg_code),
        received_on=_day(days_ago),
        topic=topic,
        agency=agency,
        summary="手続についての相談",
    )


def _move(lg_code, item, stage, *, days_ago=5, by=None, note="", **evidence):
    progress = Progress.objects.get(municipality__lg_code=lg_code, item__code=item)
    return progress_update(progress=progress, stage=stage, by=by, effective_date=_day(days_ago), note=note, **evidence)


def _get(client, name, **params):
    return client.get(reverse("cooperation:" + name), params)


def _records(response):
    return [row.record for row in response.context["table"].paginated_rows]


def _csv_rows(response):
    content = response.content
    assert content.startswith("\ufeff".encode())
    return list(csv.reader(io.StringIO(content.decode("utf-8-sig"))))


def _xlsx_rows(response):
    workbook = openpyxl.load_workbook(io.BytesIO(response.content))
    # The title and the conditions sit above the table (exports.HEADING_ROWS rows).
    return [list(row) for row in workbook.active.iter_rows(min_row=exports.HEADING_ROWS + 1, values_only=True)]


# --- local governments -------------------------------------------------------------------------


def test_municipality_list_shows_only_jurisdiction_for_center_hakodate(center_hakodate, client_for):
    response = _get(client_for(center_hakodate), "municipality_list")

    codes = {record.lg_code for record in _records(response)}
    assert response.status_code == HTTPStatus.OK
    assert "012025" in codes
    assert "012033" not in codes
    assert codes == set(Municipality.objects.filter(office__code="hakodate").values_list("lg_code", flat=True))


def test_municipality_list_is_in_code_order_without_a_sort(center_hakodate, client_for):
    """The rows come back in 団体コード order because the query says so, not by the database's chance.

    SQLite happens to return the rows in code order without an ORDER BY, so the
    rows alone cannot fail; the query's ORDER BY is what must name the code.
    """
    response = _get(client_for(center_hakodate), "municipality_list")
    codes = [record.lg_code for record in _records(response)]
    assert codes == sorted(codes)
    assert len(codes) > 30
    sql = str(response.context["table"].data.data.query)
    assert "ORDER BY" in sql
    assert "lg_code" in sql.rsplit("ORDER BY", 1)[1].split(",")[0]


def test_municipality_list_shows_only_itself_for_local_government_officer(lg_otaru, client_for):
    response = _get(client_for(lg_otaru), "municipality_list")

    assert [record.lg_code for record in _records(response)] == ["012033"]
    assert "小樽市" in response.content.decode()


def test_municipality_list_links_name_to_local_government_page(lg_otaru, client_for):
    response = _get(client_for(lg_otaru), "municipality_list")

    assert 'href="{}"'.format(reverse("cooperation:municipality_detail", args=["012033"])) in response.content.decode()


def test_municipality_list_counts_adopted_items_only(lg_otaru, client_for):
    _move("012033", "1-1", Stage.DONE)
    _move("012033", "1-2", Stage.ESTABLISHED)
    _move("012033", "2-1", Stage.ARRANGING)

    (record,) = _records(_get(client_for(lg_otaru), "municipality_list"))

    assert record.adopted_count == 2
    assert record.applicable_count == RequestItem.objects.active().applicable_to(record).count()


def test_municipality_list_search_finds_kana_typed_in_hiragana(hq, client_for):
    response = _get(client_for(hq), "municipality_list", q="おたる")

    assert [record.lg_code for record in _records(response)] == ["012033"]


def test_municipality_list_search_matches_code_prefix(hq, client_for):
    response = _get(client_for(hq), "municipality_list", q="01202")

    assert [record.lg_code for record in _records(response)] == ["012025"]


def test_municipality_list_filters_by_prefecture_and_kind(hq, client_for):
    response = _get(client_for(hq), "municipality_list", prefecture="16", kind="town")

    records = _records(response)
    expected = Municipality.objects.filter(prefecture__code="16", kind="town").count()
    assert len(records) == expected > 0
    assert {(record.prefecture.code, record.kind) for record in records} == {("16", "town")}


def test_municipality_list_filters_by_center(pref_01, client_for):
    response = _get(client_for(pref_01), "municipality_list", office="hakodate")

    records = _records(response)
    assert "012025" in {record.lg_code for record in records}
    assert {record.office.code for record in records} == {"hakodate"}


def test_municipality_list_filters_inactive(hq, client_for):
    Municipality.objects.filter(lg_code="012033").update(is_active=False)

    response = _get(client_for(hq), "municipality_list", active="false")

    assert [record.lg_code for record in _records(response)] == ["012033"]


def test_municipality_list_narrows_filter_choices_to_scope(center_hakodate, client_for):
    form = _get(client_for(center_hakodate), "municipality_list").context["filter"].form

    assert [prefecture.code for prefecture in form.fields["prefecture"].queryset] == ["01"]
    assert [office.code for office in form.fields["office"].queryset] == ["hakodate"]


def test_municipality_list_offers_every_center_of_the_prefecture_to_its_officer(pref_01, client_for):
    form = _get(client_for(pref_01), "municipality_list").context["filter"].form

    offices = {office.code for office in form.fields["office"].queryset}
    assert offices == {"sapporo", "hakodate", "asahikawa", "kushiro"}


def test_municipality_list_rejects_center_outside_scope(center_hakodate, client_for):
    response = _get(client_for(center_hakodate), "municipality_list", office="sapporo")

    assert _records(response) == []
    assert "office" in response.context["filter"].form.errors


def test_municipality_list_sorts_by_kana_descending(hq, client_for):
    response = _get(client_for(hq), "municipality_list", prefecture="16", sort="-name_kana")

    kana = [record.name_kana for record in _records(response)]
    assert len(kana) > 1
    assert kana == sorted(kana, reverse=True)


def test_municipality_list_sorts_by_adopted_count(hq, client_for):
    _move("162019", "1-1", Stage.DONE)
    _move("162027", "1-1", Stage.DONE)
    _move("162027", "1-2", Stage.DONE)

    response = _get(client_for(hq), "municipality_list", prefecture="16", sort="-adopted_count")

    assert [record.lg_code for record in _records(response)][:2] == ["162027", "162019"]


def test_municipality_list_marks_sorted_column_for_screen_readers(hq, client_for):
    response = _get(client_for(hq), "municipality_list", sort="name_kana")

    assert 'aria-sort="ascending"' in response.content.decode()


def test_municipality_list_paginates_by_fifty(hq, client_for):
    client = client_for(hq)
    first = _records(_get(client, "municipality_list", prefecture="01"))
    second = _records(_get(client, "municipality_list", prefecture="01", page=2))

    assert len(first) == 50
    assert len(second) == 50
    assert not {record.pk for record in first} & {record.pk for record in second}


def _warm(client):
    """What every page of a scope shares (the disaster banner) is in the roll-up cache after the first page."""
    assert client.get("/notifications/").status_code == 200


def test_municipality_list_queries_same_for_hokkaido_and_toyama(hq, client_for, django_assert_max_num_queries):
    client = client_for(hq)
    _warm(client)

    def render(prefecture):
        with django_assert_max_num_queries(11) as captured:
            response = _get(client, "municipality_list", prefecture=prefecture)
        assert len(_records(response)) == min(50, Municipality.objects.filter(prefecture__code=prefecture).count())
        return len(captured.captured_queries)

    assert render("01") == render("16")


def test_municipality_list_csv_holds_filtered_rows_with_bom(hq, client_for):
    _move("162019", "1-1", Stage.DONE)

    response = _get(client_for(hq), "municipality_list", prefecture="16", _export="csv")

    rows = _csv_rows(response)
    assert response.status_code == HTTPStatus.OK
    assert response["Content-Type"].startswith("text/csv")
    assert len(rows) == 1 + Municipality.objects.filter(prefecture__code="16").count()
    toyama = next(row for row in rows if row[0] == "162019")
    assert toyama[1] == "富山市"
    assert toyama[6] == "1"


def test_municipality_list_xlsx_keeps_sorting(hq, client_for):
    response = _get(client_for(hq), "municipality_list", prefecture="16", sort="-lg_code", _export="xlsx")

    rows = _xlsx_rows(response)
    codes = [row[0] for row in rows[1:]]
    assert len(codes) == Municipality.objects.filter(prefecture__code="16").count()
    assert codes == sorted(codes, reverse=True)


# --- activities --------------------------------------------------------------------------------


@pytest.fixture
def two_centers_activities(master):
    """One activity of each Hokkaido center: 札幌 with 小樽市 and 江別市, 函館 with 函館市."""
    return {
        "sapporo": _activity("sapporo", ["012033", "012173"], "小樽・江別 合同説明会", days_ago=20, attendees=30),
        "hakodate": _activity(
            "hakodate", ["012025"], "函館市 意見交換会", days_ago=10, item="2-1", kind="exchange_meeting"
        ),
    }


def test_activity_list_hides_other_center_activities(center_hakodate, two_centers_activities, client_for):
    response = _get(client_for(center_hakodate), "activity_list")

    assert [record.title for record in _records(response)] == ["函館市 意見交換会"]
    assert "小樽" not in response.content.decode()


def test_activity_list_names_only_visible_local_governments(lg_otaru, two_centers_activities, client_for):
    response = _get(client_for(lg_otaru), "activity_list")

    content = response.content.decode()
    assert [record.title for record in _records(response)] == ["小樽・江別 合同説明会"]
    assert "小樽市" in content
    assert "江別市" not in content


def test_activity_list_shows_every_local_government_to_the_center(center_sapporo, two_centers_activities, client_for):
    content = _get(client_for(center_sapporo), "activity_list").content.decode()

    assert "小樽市" in content
    assert "江別市" in content
    assert two_centers_activities["sapporo"].get_absolute_url() in content


def test_activity_list_filters_by_center_and_item(hq, two_centers_activities, client_for):
    response = _get(client_for(hq), "activity_list", office="hakodate", item="2-1")

    assert [record.title for record in _records(response)] == ["函館市 意見交換会"]


def test_activity_list_filters_by_kind(hq, two_centers_activities, client_for):
    response = _get(client_for(hq), "activity_list", kind="briefing")

    assert [record.title for record in _records(response)] == ["小樽・江別 合同説明会"]


def test_activity_list_filters_by_date_range(hq, two_centers_activities, client_for):
    response = _get(client_for(hq), "activity_list", date_from=_day(15).isoformat(), date_to=_day(5).isoformat())

    assert [record.title for record in _records(response)] == ["函館市 意見交換会"]


def test_activity_list_filters_by_fiscal_year(hq, master, client_for):
    from cooperation.fiscal import fiscal_year, fiscal_year_start

    this_year = fiscal_year(today())
    days_into_year = (today() - fiscal_year_start(this_year)).days
    _activity("sapporo", ["012033"], "今年度の説明会", days_ago=days_into_year)
    _activity("sapporo", ["012033"], "前年度の説明会", days_ago=days_into_year + 1)

    response = _get(client_for(hq), "activity_list", fiscal_year=str(this_year - 1))

    assert [record.title for record in _records(response)] == ["前年度の説明会"]


def test_activity_list_filters_by_local_government_name_or_code(hq, two_centers_activities, client_for):
    client = client_for(hq)
    by_name = _records(_get(client, "activity_list", municipality="江別"))
    by_code = _records(_get(client, "activity_list", municipality="012025"))

    assert [record.title for record in by_name] == ["小樽・江別 合同説明会"]
    assert [record.title for record in by_code] == ["函館市 意見交換会"]


def test_activity_list_local_government_filter_ignores_names_outside_scope(
    lg_otaru, two_centers_activities, client_for
):
    response = _get(client_for(lg_otaru), "activity_list", municipality="江別")

    assert _records(response) == []


def test_activity_list_filters_by_prefecture(hq, two_centers_activities, client_for):
    _activity("toyama", ["162019"], "富山市 説明会")

    response = _get(client_for(hq), "activity_list", prefecture="16")

    assert [record.title for record in _records(response)] == ["富山市 説明会"]


def test_activity_list_sorts_oldest_first(hq, two_centers_activities, client_for):
    response = _get(client_for(hq), "activity_list", sort="date")

    assert [record.title for record in _records(response)] == ["小樽・江別 合同説明会", "函館市 意見交換会"]


def test_activity_list_shows_dates_in_japanese(hq, two_centers_activities, client_for):
    day = two_centers_activities["hakodate"].date

    content = _get(client_for(hq), "activity_list").content.decode()

    assert f"{day.year}年{day.month}月{day.day}日" in content


def test_activity_list_invalid_date_lists_nothing(hq, two_centers_activities, client_for):
    response = _get(client_for(hq), "activity_list", date_from="not-a-date")

    assert _records(response) == []
    assert "date_from" in response.context["filter"].form.errors


def test_activity_list_queries_do_not_grow_with_rows(center_sapporo, master, client_for, django_assert_max_num_queries):
    client = client_for(center_sapporo)
    _warm(client)
    otaru_and_ebetsu = ["012033", "012173"]

    def render(count):
        while Activity.objects.filter(office__code="sapporo").count() < count:
            _activity("sapporo", otaru_and_ebetsu, "説明会", attendees=10, consultations=2)
        with django_assert_max_num_queries(14) as captured:
            response = _get(client, "activity_list", office="sapporo", item="1-1")
        assert len(_records(response)) == min(count, 50)
        return len(captured.captured_queries)

    assert render(10) == render(100)


def test_activity_list_csv_holds_filtered_rows_only(center_sapporo, two_centers_activities, client_for):
    _activity("sapporo", ["012033"], "小樽市 研修会", days_ago=3, item="2-2", kind="venue")

    response = _get(client_for(center_sapporo), "activity_list", item="1-1", _export="csv")

    rows = _csv_rows(response)
    assert len(rows) == 2
    assert "小樽・江別 合同説明会" in rows[1]
    assert "小樽市、江別市" in rows[1]
    assert _day(20).isoformat() in rows[1]
    assert "30" in rows[1]


def test_activity_list_xlsx_opens_with_header_and_rows(hq, two_centers_activities, client_for):
    response = _get(client_for(hq), "activity_list", sort="date", _export="xlsx")

    rows = _xlsx_rows(response)
    assert response["Content-Type"] == "application/vnd.openxmlformats-officedocument.spreadsheetml.sheet"
    assert len(rows) == 3
    assert all(isinstance(cell, str) and cell for cell in rows[0])
    assert rows[1][0].date() == _day(20)
    assert "小樽・江別 合同説明会" in rows[1]
    assert "函館市 意見交換会" in rows[2]


def test_activity_list_export_header_in_english_when_asked(hq, two_centers_activities, client_for):
    with translation.override("en"):
        response = client_for(hq).get(
            reverse("cooperation:activity_list"), {"_export": "csv"}, HTTP_ACCEPT_LANGUAGE="en"
        )

    header = _csv_rows(response)[0]
    assert header[:2] == ["Date", "Center"]
    assert "Attendees" in header


def test_activity_list_neutralises_formula_title_in_csv(center_sapporo, master, client_for):
    _activity("sapporo", ["012033"], FORMULA_TITLE)

    rows = _csv_rows(_get(client_for(center_sapporo), "activity_list", _export="csv"))

    assert "'" + FORMULA_TITLE in rows[1]
    assert FORMULA_TITLE not in rows[1]


def test_activity_list_neutralises_formula_title_in_xlsx(center_sapporo, master, client_for):
    _activity("sapporo", ["012033"], FORMULA_TITLE)

    rows = _xlsx_rows(_get(client_for(center_sapporo), "activity_list", _export="xlsx"))

    assert "'" + FORMULA_TITLE in rows[1]
    assert FORMULA_TITLE not in rows[1]


def test_activity_list_export_recorded_in_audit_trail(center_sapporo, two_centers_activities, client_for):
    _get(client_for(center_sapporo), "activity_list", kind="briefing", sort="-date", _export="xlsx")

    event = AuditEvent.objects.get(action=EXPORTED)
    assert event.actor == center_sapporo
    assert event.target == reverse("cooperation:activity_list")
    assert event.detail == {"format": "xlsx", "filters": {"kind": "briefing", "sort": "-date"}, "rows": 1}


def test_activity_list_export_queries_do_not_grow_with_rows(
    center_sapporo, master, client_for, django_assert_max_num_queries
):
    client = client_for(center_sapporo)

    def export(count):
        while Activity.objects.filter(office__code="sapporo").count() < count:
            _activity("sapporo", ["012033", "012173"], "説明会")
        with django_assert_max_num_queries(9) as captured:
            response = _get(client, "activity_list", _export="csv")
        assert len(_csv_rows(response)) == count + 1
        return len(captured.captured_queries)

    assert export(10) == export(100)


def test_activity_list_unknown_export_format_is_bad_request(hq, client_for):
    response = _get(client_for(hq), "activity_list", _export="pdf")

    assert response.status_code == HTTPStatus.BAD_REQUEST
    assert not AuditEvent.objects.filter(action=EXPORTED).exists()


def test_activity_list_anonymous_export_goes_to_sign_in(client, master):
    response = client.get(reverse("cooperation:activity_list"), {"_export": "csv"})

    assert response.status_code == HTTPStatus.FOUND
    assert reverse("login") in response["Location"]


# --- referrals ---------------------------------------------------------------------------------


@pytest.fixture
def referrals(master):
    closed = _referral("012033", days_ago=30, topic="tax", agency="札幌国税局")
    referral_transition(referral=closed, to_status="closed", by=None, outcome="resolved")
    return {
        "otaru_closed": closed,
        "otaru_open": _referral("012033", days_ago=8),
        "hakodate": _referral("012025", days_ago=4, topic="roads"),
    }


def test_referral_list_hides_other_local_governments_from_officer(lg_otaru, referrals, client_for):
    response = _get(client_for(lg_otaru), "referral_list")

    assert {record.municipality.lg_code for record in _records(response)} == {"012033"}
    assert len(_records(response)) == 2


def test_referral_list_hides_other_jurisdiction_from_center_hakodate(center_hakodate, referrals, client_for):
    response = _get(client_for(center_hakodate), "referral_list")

    assert [record.pk for record in _records(response)] == [referrals["hakodate"].pk]
    assert "小樽市" not in response.content.decode()


def test_referral_list_links_to_referral(center_hakodate, referrals, client_for):
    content = _get(client_for(center_hakodate), "referral_list").content.decode()

    assert 'href="{}"'.format(referrals["hakodate"].get_absolute_url()) in content
    assert "status-submitted" in content


def test_referral_list_filters_by_status_and_outcome(hq, referrals, client_for):
    response = _get(client_for(hq), "referral_list", status="closed", outcome="resolved")

    assert [record.pk for record in _records(response)] == [referrals["otaru_closed"].pk]


def test_referral_list_filters_by_topic(hq, referrals, client_for):
    response = _get(client_for(hq), "referral_list", topic="roads")

    assert [record.pk for record in _records(response)] == [referrals["hakodate"].pk]


def test_referral_list_filters_by_center_and_prefecture(bureau_hokkaido, referrals, client_for):
    response = _get(client_for(bureau_hokkaido), "referral_list", office="sapporo", prefecture="01")

    assert {record.pk for record in _records(response)} == {referrals["otaru_closed"].pk, referrals["otaru_open"].pk}


def test_referral_list_filters_by_date_received(hq, referrals, client_for):
    response = _get(
        client_for(hq), "referral_list", received_from=_day(10).isoformat(), received_to=_day(5).isoformat()
    )

    assert [record.pk for record in _records(response)] == [referrals["otaru_open"].pk]


def test_referral_list_sorts_by_local_government(hq, referrals, client_for):
    response = _get(client_for(hq), "referral_list", sort="municipality")

    assert [record.municipality.lg_code for record in _records(response)] == ["012025", "012033", "012033"]


def test_referral_list_prefecture_choices_narrowed_for_bureau(bureau_chugoku_shikoku, client_for):
    form = _get(client_for(bureau_chugoku_shikoku), "referral_list").context["filter"].form

    codes = {prefecture.code for prefecture in form.fields["prefecture"].queryset}
    assert "37" in codes
    assert "01" not in codes


def test_referral_list_queries_do_not_grow_with_rows(hq, master, client_for, django_assert_max_num_queries):
    client = client_for(hq)
    _warm(client)
    codes = list(Municipality.objects.exclude(kind="prefecture").values_list("lg_code", flat=True)[:100])

    def render(count):
        for code in codes[:count]:
            if not Municipality.objects.get(lg_code=code).referrals.exists():
                _referral(code)
        with django_assert_max_num_queries(10) as captured:
            response = _get(client, "referral_list")
        assert len(_records(response)) == min(count, 50)
        return len(captured.captured_queries)

    assert render(10) == render(100)


def test_referral_list_csv_holds_filtered_rows(center_sapporo, referrals, client_for):
    response = _get(client_for(center_sapporo), "referral_list", status="submitted", _export="csv")

    rows = _csv_rows(response)
    assert len(rows) == 2
    assert "小樽市" in rows[1]
    assert "日本年金機構" in rows[1]


def test_referral_list_neutralises_formula_agency_in_xlsx(lg_otaru, master, client_for):
    _referral("012033", agency=FORMULA_TITLE, by=lg_otaru)

    rows = _xlsx_rows(_get(client_for(lg_otaru), "referral_list", _export="xlsx"))

    assert "'" + FORMULA_TITLE in rows[1]


# --- history of stages -------------------------------------------------------------------------


@pytest.fixture
def history(master, center_sapporo, center_hakodate):
    activity = _activity("sapporo", ["012033"], "小樽市 職員向け説明会", days_ago=12, by=center_sapporo)
    return {
        "otaru_considering": _move("012033", "1-1", Stage.CONSIDERING, days_ago=11, by=center_sapporo),
        "otaru_done": _move("012033", "1-1", Stage.DONE, days_ago=10, by=center_sapporo, activity=activity),
        "hakodate": _move("012025", "2-1", Stage.ARRANGING, days_ago=3, by=center_hakodate, note="日程調整中"),
        "activity": activity,
    }


def test_history_hides_other_jurisdiction_from_center_hakodate(center_hakodate, history, client_for):
    response = _get(client_for(center_hakodate), "progresschange_list")

    assert [record.pk for record in _records(response)] == [history["hakodate"].pk]
    assert "小樽市" not in response.content.decode()


def test_history_shows_only_own_changes_to_local_government_officer(lg_otaru, history, client_for):
    response = _get(client_for(lg_otaru), "progresschange_list")

    assert {record.progress.municipality.lg_code for record in _records(response)} == {"012033"}
    assert len(_records(response)) == 2


def test_history_shows_stage_badges_and_evidence(center_sapporo, history, client_for):
    content = _get(client_for(center_sapporo), "progresschange_list").content.decode()

    assert "stage-considering" in content
    assert "stage-done" in content
    assert history["activity"].get_absolute_url() in content
    assert str(center_sapporo) in content


def test_history_names_the_referral_as_evidence(lg_otaru, master, client_for):
    referral = _referral("012033", by=lg_otaru)

    content = _get(client_for(lg_otaru), "progresschange_list", item="2-3").content.decode()

    assert referral.get_absolute_url() in content


def test_history_filters_by_item_and_new_stage(hq, history, client_for):
    response = _get(client_for(hq), "progresschange_list", item="1-1", to_stage="done")

    assert [record.pk for record in _records(response)] == [history["otaru_done"].pk]


def test_history_filters_by_center(pref_01, history, client_for):
    response = _get(client_for(pref_01), "progresschange_list", office="hakodate")

    assert [record.pk for record in _records(response)] == [history["hakodate"].pk]


def test_history_filters_by_prefecture(hq, history, client_for):
    _move("162019", "1-1", Stage.CONSIDERING)

    response = _get(client_for(hq), "progresschange_list", prefecture="16")

    assert [record.progress.municipality.lg_code for record in _records(response)] == ["162019"]


def test_history_filters_by_effective_date(hq, history, client_for):
    response = _get(client_for(hq), "progresschange_list", date_from=_day(10).isoformat(), date_to=_day(10).isoformat())

    assert [record.pk for record in _records(response)] == [history["otaru_done"].pk]


def test_history_sorts_by_effective_date_ascending(hq, history, client_for):
    response = _get(client_for(hq), "progresschange_list", sort="effective_date")

    assert [record.pk for record in _records(response)] == [
        history["otaru_considering"].pk,
        history["otaru_done"].pk,
        history["hakodate"].pk,
    ]


def test_history_queries_do_not_grow_with_rows(hq, master, client_for, django_assert_max_num_queries):
    client = client_for(hq)
    _warm(client)
    toyama = list(Progress.objects.filter(municipality__prefecture__code="16", item__code="1-1"))
    toyama += list(Progress.objects.filter(municipality__prefecture__code="16", item__code="1-2"))

    def render(count):
        for progress in toyama[:count]:
            if progress.stage == Stage.NOT_STARTED:
                activity = _activity(
                    "toyama", [progress.municipality.lg_code], "説明会", item=progress.item.code, kind="other"
                )
                progress_update(progress=progress, stage=Stage.CONSIDERING, by=None)
                progress_update(progress=progress, stage=Stage.DONE, by=None, activity=activity)
        with django_assert_max_num_queries(11) as captured:
            response = _get(client, "progresschange_list")
        assert len(_records(response)) == min(2 * count, 50)
        return len(captured.captured_queries)

    assert render(5) == render(30)


def test_history_csv_has_stage_names_and_filtered_rows(hq, history, client_for):
    with translation.override("en"):
        response = client_for(hq).get(
            reverse("cooperation:progresschange_list"),
            {"office": "hakodate", "_export": "csv"},
            HTTP_ACCEPT_LANGUAGE="en",
        )

    rows = _csv_rows(response)
    assert len(rows) == 2
    assert "Not started" in rows[1]
    assert "Arranging" in rows[1]
    assert "日程調整中" in rows[1]


def test_history_xlsx_opens_with_header_and_rows(center_sapporo, history, client_for):
    rows = _xlsx_rows(_get(client_for(center_sapporo), "progresschange_list", _export="xlsx"))

    assert len(rows) == 3
    assert {row[3] for row in rows[1:]} == {"1-1"}
    assert rows[1][1].date() == _day(10)


# --- downloads hold what the tables show -------------------------------------------------------
#
# The downloads read their cells with .values_list() rather than through django-tables2 (which
# costs tens of seconds for a national list); these tests check, cell by cell, that both agree:
# every column the table exports, for every row the page shows, in both formats.


def _table_cells(response) -> tuple[list[str], list[list]]:
    """The header and the cells django-tables2 gives for the page's rows (the table's own export values)."""
    table = response.context["table"]
    columns = [column for column in table.columns.iterall() if not column.column.exclude_from_export]
    header = [str(column.header) for column in columns]
    return header, [[_plain(row.get_cell_value(column.name)) for column in columns] for row in table.paginated_rows]


def _plain(value):
    """A table value as the downloads write it: objects (a prefecture, a center) by their names."""
    if value is None or isinstance(value, (str, int, float, datetime.date)):
        return value
    return str(value)


def _as_csv(cell) -> str:
    if cell is None:
        return ""
    return exports.neutralise(cell) if isinstance(cell, str) else str(cell)


def _as_xlsx(cell):
    if cell == "":
        return None  # an empty text is an empty cell
    if isinstance(cell, datetime.date) and not isinstance(cell, datetime.datetime):
        return datetime.datetime.combine(cell, datetime.time())
    return exports.neutralise(cell)


def _assert_downloads_match_the_table(client, name, **params):
    page = _get(client, name, **params)
    header, cells = _table_cells(page)
    assert cells, "the page shows no rows: nothing to compare"
    for row in cells:
        for cell in row:
            assert cell is None or isinstance(cell, (str, int, datetime.date)), f"{cell!r} is not a plain value"
            assert not (isinstance(cell, str) and "<" in cell), f"HTML in an exported cell: {cell!r}"

    csv_rows = _csv_rows(_get(client, name, _export="csv", **params))
    assert csv_rows[0] == header
    assert csv_rows[1 : len(cells) + 1] == [[_as_csv(cell) for cell in row] for row in cells]

    xlsx_rows = _xlsx_rows(_get(client, name, _export="xlsx", **params))
    assert [str(cell) for cell in xlsx_rows[0]] == header
    assert xlsx_rows[1 : len(cells) + 1] == [[_as_xlsx(cell) for cell in row] for row in cells]
    return page, cells


def test_municipality_downloads_hold_the_table_cells(hq, client_for):
    _move("012033", "1-1", Stage.DONE)
    _move("012033", "1-2", Stage.ESTABLISHED)
    Municipality.objects.filter(lg_code="012025").update(is_active=False)

    page, cells = _assert_downloads_match_the_table(
        client_for(hq), "municipality_list", prefecture="01", sort="lg_code"
    )

    otaru = next(row for row in cells if row[0] == "012033")
    assert otaru[1] == "小樽市" and otaru[3] == "市" and otaru[6] == 2
    assert next(row for row in cells if row[0] == "012025")[8] == "いいえ"


def test_municipality_downloads_hold_the_table_cells_in_english(hq, client_for):
    with translation.override("en"):
        client = client_for(hq)
        client.cookies["django_language"] = "en"
        page, cells = _assert_downloads_match_the_table(client, "municipality_list", prefecture="16", sort="-name_kana")

    assert {row[4] for row in cells} == {"Toyama"}
    assert "city" in {row[3] for row in cells}


@pytest.mark.parametrize("user", ["hq", "lg_otaru", "center_hakodate"])
def test_activity_downloads_hold_the_table_cells(user, request, master, client_for):
    _activity("sapporo", ["012033", "012173"], "小樽・江別 合同説明会", days_ago=20, attendees=30, consultations=0)
    done = _activity("hakodate", ["012025"], "函館市 意見交換会", days_ago=10, item="2-1", kind="exchange_meeting")
    Activity.objects.filter(pk=done.pk).update(follow_up_on=_day(2), follow_up_done=True)
    _activity("hakodate", ["012025", "012033"], FORMULA_TITLE, days_ago=5, kind="venue", people_recommended=2)
    Activity.objects.filter(title=FORMULA_TITLE).update(follow_up_on=_day(1))

    page, cells = _assert_downloads_match_the_table(client_for(request.getfixturevalue(user)), "activity_list")

    names = {row[5]: row[2] for row in cells}
    if user == "lg_otaru":
        assert names == {"小樽・江別 合同説明会": "小樽市", FORMULA_TITLE: "小樽市"}
    elif user == "hq":
        assert names["小樽・江別 合同説明会"] == "小樽市、江別市"
        assert names[FORMULA_TITLE] == "函館市、小樽市"
        follow_up = {row[5]: row[-2:] for row in cells}
        assert follow_up["函館市 意見交換会"] == [_day(2), "はい"]
        assert follow_up[FORMULA_TITLE] == [_day(1), "いいえ"]


@pytest.mark.parametrize("sort", ["", "municipality", "-status"])
def test_referral_downloads_hold_the_table_cells(hq, referrals, sort, client_for):
    page, cells = _assert_downloads_match_the_table(client_for(hq), "referral_list", sort=sort)

    closed = next(row for row in cells if row[4] == "札幌国税局")
    assert closed[5] == "終了" and closed[6]
    assert next(row for row in cells if row[4] == "日本年金機構")[6] is None


@pytest.mark.parametrize("user", ["hq", "center_sapporo", "lg_otaru"])
def test_history_downloads_hold_the_table_cells(user, request, history, hq, client_for):
    from cooperation.survey import HEADER, survey_apply

    named = services_user = request.getfixturevalue(user)
    named.display_name = "札幌 太郎" if user == "center_sapporo" else ""
    named.save()
    _referral("012033", by=services_user)
    survey = exports.csv_bytes(HEADER, [("012033", "小樽市", "1-2", "検討中", _day(1).isoformat(), "=1+1")])
    assert survey_apply(content=survey, file_name="小樽.csv", by=hq).applied
    _move("012033", "2-1", Stage.NOT_FEASIBLE, by=None, note="@会場なし")

    page, cells = _assert_downloads_match_the_table(client_for(named), "progresschange_list", sort="-recorded_at")

    evidence = {cell for row in cells for cell in row[-1:]}
    assert "" in evidence
    assert any(cell.startswith("Import:") or "小樽.csv" in cell for cell in evidence if cell)
    assert "システム" in {row[6] for row in cells}
    for row in cells:
        assert isinstance(row[0], datetime.datetime) and row[0].tzinfo is None and isinstance(row[1], datetime.date)


def test_xlsx_download_has_a_bold_frozen_header_and_real_dates(center_sapporo, history, client_for):
    response = _get(client_for(center_sapporo), "progresschange_list", sort="effective_date", _export="xlsx")

    sheet = openpyxl.load_workbook(io.BytesIO(response.content)).active
    assert sheet.freeze_panes == "A5"
    assert all(cell.font.bold for cell in sheet[4])
    assert sheet.auto_filter.ref.startswith("A4:")
    assert sheet.page_setup.orientation == "landscape" and sheet.page_setup.paperSize == 9
    assert sheet.print_title_rows == "$4:$4"
    assert sheet.column_dimensions["A"].width > 10
    assert sheet["A1"].font.bold and sheet["A2"].value.endswith(("Exported on", ")")) or sheet["A2"].value
    recorded_at, effective_date = sheet["A5"], sheet["B5"]
    assert recorded_at.is_date and isinstance(recorded_at.value, datetime.datetime)
    assert "h" in recorded_at.number_format
    assert effective_date.is_date and effective_date.value == datetime.datetime.combine(_day(11), datetime.time())
    assert not sheet["C5"].font.bold


def test_xlsx_download_leaves_out_characters_a_workbook_cannot_hold(center_hakodate, master, client_for):
    _move("012025", "2-1", Stage.ARRANGING, by=center_hakodate, note="=日程\x01調整\x1f中")

    rows = _xlsx_rows(_get(client_for(center_hakodate), "progresschange_list", _export="xlsx"))
    csv_rows = _csv_rows(_get(client_for(center_hakodate), "progresschange_list", _export="csv"))

    assert rows[1][7] == "'=日程調整中"
    assert csv_rows[1][7] == "'=日程\x01調整\x1f中"


def test_xlsx_download_of_nothing_has_the_header_only(center_hakodate, master, client_for):
    rows = _xlsx_rows(_get(client_for(center_hakodate), "referral_list", _export="xlsx"))

    assert len(rows) == 1 and all(rows[0])
