"""The stage grid: many local governments × items in one save, each cell under its own version check."""

from http import HTTPStatus

import pytest
from django.urls import reverse

from cooperation.fiscal import today
from cooperation.models import Progress, ProgressChange, Stage
from cooperation.progress.services import progress_update
from offices.models import Municipality

pytestmark = pytest.mark.usefixtures("master")

URL = reverse("cooperation:progress_grid")


def sapporo_cells(count):
    """``count`` (progress) cells of the 札幌 center's jurisdiction, over several local governments."""
    municipalities = list(Municipality.objects.filter(office__code="sapporo", kind="city").order_by("lg_code")[:5])
    progresses = list(
        Progress.objects.filter(municipality__in=municipalities, item__code__in=["1-1", "1-2", "2-1"])
        .select_related("municipality", "item")
        .order_by("municipality__lg_code", "item__code")
    )
    return municipalities, progresses[:count]


def grid_post(municipalities, cells, stage, **extra):
    data = {"m": [m.lg_code for m in municipalities], "effective_date": today().isoformat(), "note": ""}
    for progress in cells:
        data[f"stage-{progress.pk}"] = stage
        data[f"was-{progress.pk}"] = progress.stage
        data[f"version-{progress.pk}"] = str(progress.version)
    data.update(extra)
    return data


def test_center_changes_ten_cells_in_one_save(client_for, center_sapporo, django_assert_max_num_queries):
    municipalities, cells = sapporo_cells(10)
    assert len(cells) == 10
    client = client_for(center_sapporo)
    response = client.post(URL, grid_post(municipalities, cells, Stage.CONSIDERING))
    assert response.status_code == HTTPStatus.FOUND
    assert all(m.lg_code in response.url for m in municipalities)
    assert ProgressChange.objects.filter(recorded_by=center_sapporo, to_stage=Stage.CONSIDERING).count() == 10
    assert set(Progress.objects.filter(pk__in=[c.pk for c in cells]).values_list("stage", flat=True)) == {
        Stage.CONSIDERING
    }


def test_grid_reports_a_conflict_on_its_cell_and_saves_the_others(client_for, center_sapporo, hq):
    municipalities, cells = sapporo_cells(3)
    data = grid_post(municipalities, cells, Stage.ARRANGING)
    progress_update(progress=cells[1], stage=Stage.DONE, by=hq)
    response = client_for(center_sapporo).post(URL, data)
    assert response.status_code == HTTPStatus.CONFLICT
    html = response.content.decode()
    assert f'href="#cell-{cells[1].pk}"' in html
    assert (
        f'id="stage-{cells[1].pk}" name="stage-{cells[1].pk}" class="grid-select" data-was="done" aria-invalid="true"'
        in html
    )
    stages = dict(Progress.objects.filter(pk__in=[c.pk for c in cells]).values_list("pk", "stage"))
    assert stages == {cells[0].pk: Stage.ARRANGING, cells[1].pk: Stage.DONE, cells[2].pk: Stage.ARRANGING}


def test_grid_refuses_not_feasible_without_a_note_on_that_cell(client_for, center_sapporo):
    municipalities, cells = sapporo_cells(2)
    data = grid_post(municipalities, cells[:1], Stage.NOT_FEASIBLE)
    response = client_for(center_sapporo).post(URL, data)
    assert response.status_code == HTTPStatus.OK
    assert f'href="#cell-{cells[0].pk}"' in response.content.decode()
    assert not ProgressChange.objects.exists()


def test_grid_outside_the_jurisdiction_is_refused_whole(client_for, center_hakodate):
    municipalities, cells = sapporo_cells(2)
    response = client_for(center_hakodate).post(URL, grid_post(municipalities, cells, Stage.CONSIDERING))
    assert response.status_code == HTTPStatus.NOT_FOUND
    assert not ProgressChange.objects.exists()


def test_prefecture_officer_who_only_sees_a_cell_is_refused_whole(client_for, pref_01):
    municipalities, cells = sapporo_cells(2)
    response = client_for(pref_01).post(URL, grid_post(municipalities, cells, Stage.CONSIDERING))
    assert response.status_code == HTTPStatus.FORBIDDEN
    assert not ProgressChange.objects.exists()


def test_viewer_may_not_open_the_grid(client_for, viewer_sapporo):
    assert client_for(viewer_sapporo).get(URL).status_code == HTTPStatus.FORBIDDEN


def test_municipality_updates_every_item_on_one_form(client_for, lg_otaru, otaru, django_assert_max_num_queries):
    client = client_for(lg_otaru)
    with django_assert_max_num_queries(14):
        response = client.get(URL)
    html = response.content.decode()
    progresses = list(Progress.objects.filter(municipality=otaru, item__scope="all").select_related("item"))
    for progress in progresses:
        assert f'name="stage-{progress.pk}"' in html
    chosen = progresses[:3]
    data = grid_post([otaru], chosen, Stage.DONE)
    data[f"note-{chosen[0].pk}"] = "広報誌3月号に掲載"
    response = client.post(URL, data)
    assert response.status_code == HTTPStatus.FOUND
    assert ProgressChange.objects.filter(progress__municipality=otaru, to_stage=Stage.DONE).count() == 3
    assert ProgressChange.objects.get(progress=chosen[0]).note == "広報誌3月号に掲載"


def test_picker_selects_a_whole_subprefecture(client_for, center_sapporo, django_assert_max_num_queries):
    client = client_for(center_sapporo)
    with django_assert_max_num_queries(14):
        response = client.get(URL, {"subprefecture": "石狩"})
    html = response.content.decode()
    ishikari = Municipality.objects.filter(subprefecture="石狩", is_active=True)
    assert ishikari.count() > 3
    for municipality in ishikari:
        assert f'<input type="hidden" name="m" value="{municipality.lg_code}">' in html
