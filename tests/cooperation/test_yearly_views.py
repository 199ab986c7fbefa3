"""The yearly report's pages, the close by headquarters, activities and referral statistics, query counts."""

import datetime
from http import HTTPStatus

import pytest
from django.core.exceptions import ValidationError

from cooperation.models import Activity, FiscalYearClose, Progress, Referral
from cooperation.progress.services import progress_update
from cooperation.yearly import selectors, services
from offices.models import AuditEvent, Municipality, Office
from offices.policies import NotAllowed

YEAR = 2025


def _move(lg_code, item_code, stage, day):
    progress = Progress.objects.select_related("municipality", "item").get(
        municipality__lg_code=lg_code, item__code=item_code
    )
    return progress_update(progress=progress, stage=stage, by=None, effective_date=day)


@pytest.fixture
def some_history(master):
    for number, municipality in enumerate(Municipality.objects.filter(prefecture__code__in=["01", "02"])[:30]):
        _move(municipality.lg_code, "1-1", "done", datetime.date(2025, 4, 1) + datetime.timedelta(days=number))
        if number % 3 == 0:
            _move(municipality.lg_code, "1-2", "considering", datetime.date(2025, 6, 1))


def _referral(municipality, received_on, closed_on=None, topic="tax", agency="国税庁", outcome="resolved"):
    closed_at = None
    if closed_on is not None:
        closed_at = datetime.datetime.combine(closed_on, datetime.time(3, 0), tzinfo=datetime.UTC)
    return Referral.objects.create(
        municipality=municipality,
        office=municipality.office,
        received_on=received_on,
        topic=topic,
        agency=agency,
        summary="相談",
        status="closed" if closed_on else "submitted",
        outcome=outcome if closed_on else "",
        closed_at=closed_at,
    )


def test_hq_closes_the_year_from_the_page(some_history, hq, client_for):
    client = client_for(hq)
    response = client.post(f"/years/{YEAR}/close/", {"note": "令和7年度確定"})
    assert response.status_code == HTTPStatus.FOUND
    close = FiscalYearClose.objects.get(year=YEAR)
    assert close.version == 1 and close.closed_by == hq and close.figure_count == 1741 * 9 + 47 * 9
    page = client.get(f"/years/{YEAR}/")
    assert page.status_code == HTTPStatus.OK
    assert '<th scope="row">v1</th>' in page.content.decode()
    assert AuditEvent.objects.filter(action="year_closed").count() == 1


def test_center_staff_may_not_close(some_history, center_sapporo, client_for):
    response = client_for(center_sapporo).post(f"/years/{YEAR}/close/", {"note": ""})
    assert response.status_code == HTTPStatus.FORBIDDEN
    assert not FiscalYearClose.objects.exists()
    with pytest.raises(NotAllowed):
        services.year_close(year=YEAR, by=center_sapporo)


def test_reopen_needs_headquarters_and_a_reason_and_is_audited(some_history, hq, viewer_hq):
    services.year_close(year=YEAR, by=hq)
    with pytest.raises(NotAllowed):
        services.year_reopen(year=YEAR, by=viewer_hq, reason="誤り")
    with pytest.raises(ValidationError):
        services.year_reopen(year=YEAR, by=hq, reason=" ")
    services.year_reopen(year=YEAR, by=hq, reason="集計誤りのため")
    assert selectors.close_in_force(YEAR) is None
    event = AuditEvent.objects.get(action="year_reopened")
    assert event.actor == hq and event.detail["reason"] == "集計誤りのため"
    again = services.year_close(year=YEAR, by=hq)
    assert again.version == 2


def test_the_current_year_cannot_be_closed_nor_a_closed_year_closed_twice(some_history, hq):
    from cooperation import fiscal

    with pytest.raises(ValidationError):
        services.year_close(year=fiscal.fiscal_year(fiscal.today()), by=hq)
    services.year_close(year=YEAR, by=hq)
    with pytest.raises(ValidationError):
        services.year_close(year=YEAR, by=hq)
    assert FiscalYearClose.objects.count() == 1


def test_activity_sums_and_referral_statistics(some_history, hq, hakodate_city, otaru):
    office = Office.objects.get(code="sapporo")
    for attendees, day in (
        (12, datetime.date(2025, 5, 1)),
        (30, datetime.date(2026, 3, 31)),
        (99, datetime.date(2026, 4, 1)),
    ):
        activity = Activity.objects.create(
            date=day,
            office=office,
            item_id=otaru.progresses.first().item_id,
            kind="briefing",
            title="説明会",
            attendees=attendees,
            consultations=2,
        )
        activity.municipalities.add(otaru)
    # Days to close: 10, 20, 30, 40 and 100 (the last one filed the year before).
    _referral(otaru, datetime.date(2025, 5, 1), datetime.date(2025, 5, 11))
    _referral(otaru, datetime.date(2025, 6, 1), datetime.date(2025, 6, 21), topic="pension", agency="日本年金機構")
    _referral(hakodate_city, datetime.date(2025, 7, 1), datetime.date(2025, 7, 31), outcome="withdrawn")
    _referral(hakodate_city, datetime.date(2025, 8, 1), datetime.date(2025, 9, 10))
    _referral(hakodate_city, datetime.date(2025, 1, 1), datetime.date(2025, 4, 11))
    _referral(otaru, datetime.date(2025, 10, 1))  # still open
    services.year_close(year=YEAR, by=hq)
    report = selectors.year_report(user=hq, year=YEAR)
    sapporo = next(row for row in report.activities_by_center if row.code == "sapporo")
    assert sapporo.figures[:2] == [42, 4]
    kinds = [kind for kind, _label in report.activity_kinds]
    assert sapporo.counts[kinds.index("briefing")] == 2
    total = report.referrals_total
    assert (total.filed, total.closed) == (5, 5)
    assert total.median_days == 30
    assert total.p90_days == 100
    outcome = {row.label: row.closed for row in report.referrals_by_outcome}
    assert sorted(outcome.values()) == [1, 4]
    agencies = {row.label: row.filed for row in report.referrals_by_agency}
    assert agencies == {"国税庁": 4, "日本年金機構": 1}


def test_bureau_sees_the_report_for_its_scope_only(some_history, hq, bureau_hokkaido):
    services.year_close(year=YEAR, by=hq)
    report = selectors.year_report(user=bureau_hokkaido, year=YEAR)
    assert [row.code for row in report.prefectures] == ["01"]
    national = selectors.year_report(user=hq, year=YEAR)
    assert len(national.prefectures) == 47


def test_closed_report_page_queries_do_not_grow(some_history, hq, client_for, django_assert_max_num_queries):
    services.year_close(year=YEAR, by=hq)
    client = client_for(hq)
    client.get(f"/years/{YEAR}/")
    with django_assert_max_num_queries(15):
        response = client.get(f"/years/{YEAR}/")
    assert response.status_code == HTTPStatus.OK
    assert "0-1" in response.content.decode()
    with django_assert_max_num_queries(15):
        assert client.get(f"/years/{YEAR}/report.xlsx").status_code == HTTPStatus.OK
    with django_assert_max_num_queries(15):
        assert client.get(f"/years/{YEAR}/print/").status_code == HTTPStatus.OK


def test_trends_are_an_accessible_svg_with_a_table(some_history, hq, client_for):
    services.year_close(year=YEAR, by=hq)
    response = client_for(hq).get("/years/trends/?area=prefecture:01&item=1-1")
    assert response.status_code == HTTPStatus.OK
    content = response.content.decode()
    assert '<svg xmlns="http://www.w3.org/2000/svg"' in content
    assert 'role="img"' in content and '<title id="items-chart-title">' in content
    assert "<table" in content
    # No script is drawn with the chart: the only scripts are the site's own files in the page head.
    assert all(' src="/static/' in tag for tag in content.split("<script")[1:])
    assert "style=" not in content.split("<svg", 1)[1].split("</svg>", 1)[0]


def test_years_without_data_are_not_reported(master, hq, client_for):
    client = client_for(hq)
    assert client.get("/years/2019/").status_code == HTTPStatus.NOT_FOUND
    assert client.get("/years/").status_code == HTTPStatus.OK


def test_print_view_has_the_conditions_the_print_date_and_page_numbers(some_history, hq, client_for):
    from pathlib import Path

    from cooperation import fiscal

    services.year_close(year=YEAR, by=hq)
    content = client_for(hq).get(f"/years/{YEAR}/print/").content.decode()
    header = content.split('<header class="print-header">', 1)[1].split("</header>", 1)[0]
    assert "範囲：全国" in header and "確定値（第1版" in header
    assert f"印刷日 {fiscal.format_date(fiscal.today())}" in header
    css = Path(__file__).resolve().parents[2].joinpath("static/css/yearly-print.css").read_text()
    assert "size: A4 landscape" in css and 'counter(page) " / " counter(pages)' in css
