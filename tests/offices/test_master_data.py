"""The national master data: counts, jurisdictions, check digits and an idempotent loader."""

import shutil
from collections import Counter

import pytest
from django.core.exceptions import ValidationError
from django.core.management import call_command

from offices.master_data import FIXTURES_DIR, master_data_load
from offices.models import Municipality, Office, Prefecture, Region
from offices.validators import lg_check_digit, lg_code_complete, validate_lg_code

pytestmark = pytest.mark.usefixtures("master")

LETTER_PHONES = {
    "sapporo": "011-709-2311",
    "hakodate": "0138-23-0909",
    "asahikawa": "0166-38-3011",
    "kushiro": "0154-23-7136",
    "tokyo": "03-5331-1750",
    "kagawa": "087-826-0671",
    "okinawa": "098-866-0145",
}


def test_there_are_47_prefectures_with_contiguous_codes():
    assert list(Prefecture.objects.values_list("code", flat=True)) == [f"{n:02d}" for n in range(1, 48)]


def test_there_are_9_regions_with_shikoku_under_chugoku_shikoku_and_okinawa_in_none():
    assert Region.objects.count() == 9
    assert Region.objects.get(code="shikoku").parent.code == "chugoku-shikoku"
    assert Region.objects.get(code="okinawa").parent is None


def test_there_are_50_centers_with_the_letters_telephone_numbers():
    assert Office.objects.count() == 50
    phones = dict(Office.objects.values_list("code", "phone"))
    for code, phone in LETTER_PHONES.items():
        assert phones[code] == phone


def test_municipality_counts_by_kind_match_the_national_figures():
    counts = Counter(Municipality.objects.values_list("kind", flat=True))
    assert counts == {
        "prefecture": 47,
        "designated_city": 20,
        "city": 772,
        "town": 743,
        "village": 183,
        "special_ward": 23,
    }
    assert Municipality.objects.count() == 1788


def test_every_local_government_has_exactly_one_center():
    assert not Municipality.objects.filter(office__isnull=True).exists()
    outside = Municipality.objects.exclude(prefecture__code="01").select_related("office", "prefecture")
    assert all(m.office.prefecture_id == m.prefecture_id for m in outside)


def test_hokkaido_centers_cover_their_subprefectures():
    counts = Counter(
        Municipality.objects.filter(prefecture__code="01")
        .exclude(kind="prefecture")
        .values_list("office__code", flat=True)
    )
    assert counts == {"sapporo": 51, "hakodate": 37, "asahikawa": 59, "kushiro": 32}
    assert Municipality.objects.get(lg_code="010006").office.code == "sapporo"


def test_otaru_lies_in_shiribeshi_but_is_served_by_sapporo():
    otaru = Municipality.objects.get(lg_code="012033")
    assert (otaru.subprefecture, otaru.office.code) == ("後志", "sapporo")
    assert Municipality.objects.get(lg_code="014036").office.code == "hakodate"  # 泊村, 後志


def test_every_lg_code_passes_its_check_digit():
    for code in Municipality.objects.values_list("lg_code", flat=True):
        validate_lg_code(code)


def test_a_wrong_check_digit_is_rejected_naming_the_right_one():
    with pytest.raises(ValidationError) as error:
        validate_lg_code("012034")
    assert error.value.error_list[0].code == "lg_code_check_digit"
    assert "012034" in error.value.messages[0] and "3" in error.value.messages[0]


@pytest.mark.parametrize("code", ["12033", "0120333", "01203a", "０１２０３３"])
def test_a_code_that_is_not_six_ascii_digits_is_rejected(code):
    with pytest.raises(ValidationError) as error:
        validate_lg_code(code)
    assert error.value.error_list[0].code == "lg_code_format"


def test_check_digit_and_five_digit_completion():
    assert lg_check_digit("01100") == 2
    assert lg_code_complete("01203") == "012033"
    assert lg_code_complete("012033") == "012033"


def test_loader_twice_changes_nothing():
    report = master_data_load()
    assert not report.changed


def test_load_master_data_command_reports_nothing_changed(capsys):
    call_command("load_master_data")
    assert "nothing changed" in capsys.readouterr().out


def _copy_fixtures(tmp_path):
    target = tmp_path / "fixtures"
    shutil.copytree(FIXTURES_DIR, target)
    return target


def test_loader_updates_a_changed_telephone_and_name_in_place(tmp_path):
    directory = _copy_fixtures(tmp_path)
    offices = (directory / "offices.csv").read_text(encoding="utf-8")
    (directory / "offices.csv").write_text(offices.replace("011-709-2311", "011-000-0000"), encoding="utf-8")
    towns = (directory / "municipalities.csv").read_text(encoding="utf-8")
    (directory / "municipalities.csv").write_text(towns.replace(",小樽市,", ",新小樽市,"), encoding="utf-8")
    sapporo_pk = Office.objects.get(code="sapporo").pk

    report = master_data_load(directory=directory)

    assert report.updated["office"] == 1 and report.updated["municipality"] == 1
    assert Office.objects.get(pk=sapporo_pk).phone == "011-000-0000"
    assert Municipality.objects.get(lg_code="012033").name == "新小樽市"


def test_loader_marks_a_missing_local_government_inactive_and_keeps_it(tmp_path):
    directory = _copy_fixtures(tmp_path)
    lines = (directory / "municipalities.csv").read_text(encoding="utf-8").splitlines(keepends=True)
    (directory / "municipalities.csv").write_text(
        "".join(line for line in lines if not line.startswith("012033,")), encoding="utf-8"
    )

    report = master_data_load(directory=directory)

    assert report.deactivated["municipality"] == 1
    otaru = Municipality.objects.get(lg_code="012033")
    assert otaru.is_active is False
    assert master_data_load().updated["municipality"] == 1  # back in the list: active again
    otaru.refresh_from_db()
    assert otaru.is_active is True


def test_loader_refuses_a_bad_check_digit_and_writes_nothing(tmp_path):
    directory = _copy_fixtures(tmp_path)
    towns = (directory / "municipalities.csv").read_text(encoding="utf-8")
    (directory / "municipalities.csv").write_text(
        towns.replace("012033,01,小樽市", "012034,01,小樽市"), encoding="utf-8"
    )
    with pytest.raises(ValueError, match="012034"):
        master_data_load(directory=directory)
    assert Municipality.objects.filter(lg_code="012033", is_active=True).exists()
