"""The message catalogues: Japanese complete and compiled, English plural forms, both active at run time.

Japanese is the default language and every msgid in the code is English, so a
msgid missing from locale/ja, left empty or fuzzy, or a .po edited without
recompiling the .mo, shows English on a Japanese screen. These tests catch it.
"""

import datetime
import gettext as gnu_gettext
import re
import shutil
from http import HTTPStatus
from pathlib import Path

import polib
import pytest
from django.conf import settings
from django.core.management import call_command
from django.urls import reverse
from django.utils import translation
from django.utils.translation import gettext, ngettext, pgettext

from cooperation import fiscal
from cooperation.fiscal import today
from cooperation.models import Activity, Referral, Stage
from offices.models import Municipality
from tests.conftest import IN_CI

LOCALE = Path(settings.BASE_DIR) / "locale"
JA_PO = LOCALE / "ja" / "LC_MESSAGES" / "django.po"
EN_PO = LOCALE / "en" / "LC_MESSAGES" / "django.po"

# Where the site's visible strings live (the code, its templates and its JavaScript).
SOURCES = ["cooperation", "offices", "templates", "static"]

# The ministry's own labels (the request letter and the official stage list).
STAGES_JA = {
    Stage.NOT_STARTED: "未着手",
    Stage.CONSIDERING: "検討中",
    Stage.ARRANGING: "調整中",
    Stage.DONE: "実施",
    Stage.ESTABLISHED: "定着",
    Stage.NOT_FEASIBLE: "当面困難",
}
ACTIVITY_KINDS_JA = {
    Activity.Kind.BRIEFING: "説明会",
    Activity.Kind.PR_ARTICLE: "広報誌等への掲載",
    Activity.Kind.EXCHANGE_MEETING: "意見交換会",
    Activity.Kind.JOINT_SESSION: "合同行政相談所",
    Activity.Kind.VENUE: "会場提供",
    Activity.Kind.DISASTER: "防災（会議・訓練）",
    Activity.Kind.RECOMMENDATION: "行政相談委員の推薦",
    Activity.Kind.AWARD: "表彰",
    Activity.Kind.OTHER: "その他",
}
OUTCOMES_JA = {
    Referral.Outcome.RESOLVED: "解決",
    Referral.Outcome.PASSED_TO_AGENCY: "関係機関へ回付",
    Referral.Outcome.OUTSIDE_SCOPE: "行政相談の対象外",
    Referral.Outcome.WITHDRAWN: "取下げ",
}
KINDS_JA = {
    Municipality.Kind.PREFECTURE: "都道府県",
    Municipality.Kind.DESIGNATED_CITY: "政令指定都市",
    Municipality.Kind.CITY: "市",
    Municipality.Kind.TOWN: "町",
    Municipality.Kind.VILLAGE: "村",
    Municipality.Kind.SPECIAL_WARD: "特別区",
}

PLACEHOLDER = re.compile(r"%\(\w+\)[sd]|%%|\{\w*\}")


def catalogue(path: Path) -> polib.POFile:
    return polib.pofile(str(path))


def label(entry: polib.POEntry) -> str:
    return f"{entry.msgctxt}|{entry.msgid}" if entry.msgctxt else entry.msgid


def mo_catalogue(path: Path) -> dict:
    """The messages of a compiled catalogue as Python's gettext reads them, header excluded."""
    with open(path, "rb") as handle:
        messages = dict(gnu_gettext.GNUTranslations(handle)._catalog)
    messages.pop("", None)
    return messages


# ---------------------------------------------------------------- the Japanese catalogue


def test_japanese_catalogue_has_no_untranslated_message():
    untranslated = [label(entry) for entry in catalogue(JA_PO) if not entry.translated() and not entry.obsolete]
    assert untranslated == []


def test_japanese_catalogue_has_no_fuzzy_message():
    po = catalogue(JA_PO)
    assert not po.metadata_is_fuzzy, "the header is marked fuzzy: msgfmt would drop it"
    assert [label(entry) for entry in po.fuzzy_entries()] == []


def test_japanese_catalogue_has_one_plural_form():
    po = catalogue(JA_PO)
    assert po.metadata["Language"] == "ja"
    assert po.metadata["Plural-Forms"].replace(" ", "") == "nplurals=1;plural=0;"
    assert po.metadata["Content-Type"] == "text/plain; charset=UTF-8"
    for entry in po:
        if entry.msgid_plural:
            assert set(entry.msgstr_plural) == {0}, label(entry)


def test_japanese_translations_keep_every_placeholder():
    """A lost {name} or %(count)s raises KeyError or shows the wrong figure only in Japanese."""
    for entry in catalogue(JA_PO):
        expected = sorted(PLACEHOLDER.findall(entry.msgid))
        translations = entry.msgstr_plural.values() if entry.msgid_plural else [entry.msgstr]
        for translated in translations:
            assert sorted(PLACEHOLDER.findall(translated)) == expected, label(entry)


@pytest.mark.skipif(shutil.which("xgettext") is None and not IN_CI, reason="gettext (xgettext) is not installed")
def test_every_message_of_the_code_is_in_the_japanese_catalogue(settings, tmp_path, monkeypatch):
    """Extract the messages of the site afresh, as `make messages` does: none may be missing from locale/ja.

    The extraction runs on a copy of the sources, so that makemessages finds no
    locale/ folder beside them and writes only into the scratch folder.
    """
    source, output = tmp_path / "source", tmp_path / "locale"
    for folder in SOURCES:
        shutil.copytree(Path(settings.BASE_DIR) / folder, source / folder, ignore=shutil.ignore_patterns("__pycache__"))
    settings.LOCALE_PATHS = [output]
    monkeypatch.chdir(source)
    call_command("makemessages", locale=["ja"], verbosity=0)
    extracted = {label(entry) for entry in catalogue(output / "ja" / "LC_MESSAGES" / "django.po")}
    committed = {label(entry) for entry in catalogue(JA_PO)}
    assert sorted(extracted - committed) == [], "run `make messages` and translate the new messages"


@pytest.mark.parametrize("language", ["ja", "en"])
def test_compiled_catalogue_matches_its_po(language, tmp_path):
    """The committed .mo holds exactly what compiling the committed .po gives (msgfmt skips fuzzy entries)."""
    po = catalogue(LOCALE / language / "LC_MESSAGES" / "django.po")
    for entry in po.fuzzy_entries():
        po.remove(entry)
    fresh = tmp_path / "django.mo"
    po.save_as_mofile(str(fresh))
    assert mo_catalogue(LOCALE / language / "LC_MESSAGES" / "django.mo") == mo_catalogue(fresh), (
        "run `make messages` (compilemessages) and commit the .mo"
    )


# ---------------------------------------------------------------- the English catalogue


def test_english_catalogue_has_two_plural_forms_filled():
    po = catalogue(EN_PO)
    assert po.metadata["Language"] == "en"
    assert po.metadata["Plural-Forms"].replace(" ", "") == "nplurals=2;plural=(n!=1);"
    assert not po.metadata_is_fuzzy
    assert [label(entry) for entry in po.fuzzy_entries()] == []
    for entry in po:
        if entry.msgid_plural:
            assert entry.msgstr_plural == {0: entry.msgid, 1: entry.msgid_plural}, label(entry)
        else:
            assert entry.msgstr == "", f"{label(entry)}: English falls back to the msgid"


# ---------------------------------------------------------------- at run time


def test_stage_labels_are_the_ministry_labels_in_japanese():
    with translation.override("ja"):
        assert gettext("Not started") == "未着手"
        assert {stage: str(stage.label) for stage in Stage} == STAGES_JA


def test_choice_labels_are_japanese():
    with translation.override("ja"):
        assert {kind: str(kind.label) for kind in Activity.Kind} == ACTIVITY_KINDS_JA
        assert {outcome: str(outcome.label) for outcome in Referral.Outcome} == OUTCOMES_JA
        assert {kind: str(kind.label) for kind in Municipality.Kind} == KINDS_JA


def test_key_messages_are_japanese():
    with translation.override("ja"):
        assert gettext("Dashboard") == "ダッシュボード"
        assert gettext("Sign in") == "ログイン"
        assert gettext("Sign out") == "ログアウト"
        assert gettext("Fiscal year") == "年度"
        assert gettext("As of") == "時点"
        assert pgettext("start of a date range", "From") == "開始日"
        assert ngettext("%(counter)s row", "%(counter)s rows", 3) % {"counter": 3} == "3件"


def test_english_falls_back_to_the_msgid_with_english_plurals():
    with translation.override("en"):
        assert gettext("Not started") == "Not started"
        assert ngettext("%(counter)s row", "%(counter)s rows", 1) % {"counter": 1} == "1 row"
        assert ngettext("%(counter)s row", "%(counter)s rows", 2) % {"counter": 2} == "2 rows"


def test_dates_are_written_the_japanese_way():
    day = datetime.date(2026, 11, 29)
    with translation.override("ja"):
        assert fiscal.format_date(day) == "2026年11月29日"
        assert fiscal.fiscal_year_label(2026) == "令和8年度 (2026年度)"
        assert fiscal.fiscal_year_label(2019) == "令和元年度 (2019年度)"
    with translation.override("en"):
        assert fiscal.format_date(day) == "29 Nov 2026"
        assert fiscal.fiscal_year_label(2026) == "FY2026"


@pytest.mark.django_db
def test_dashboard_is_in_japanese_by_default(hq, client_for):
    response = client_for(hq).get(reverse("cooperation:home"))
    assert response.status_code == HTTPStatus.OK
    html = response.content.decode()
    assert '<html lang="ja">' in html
    assert "連携の状況" in html
    assert "ダッシュボード" in html
    assert '<span class="badge stage-not_started">未着手</span>' in html
    assert "Cooperation at a glance" not in html
    year = fiscal.fiscal_year(today())
    with translation.override("ja"):
        assert fiscal.fiscal_year_label(year) in html


@pytest.mark.django_db
def test_dashboard_is_in_english_with_the_language_cookie(hq, client_for):
    client = client_for(hq)
    client.cookies[settings.LANGUAGE_COOKIE_NAME] = "en"
    response = client.get(reverse("cooperation:home"))
    assert response.status_code == HTTPStatus.OK
    html = response.content.decode()
    assert '<html lang="en">' in html
    assert "Cooperation at a glance" in html
    assert '<span class="badge stage-not_started">Not started</span>' in html
    assert "連携の状況" not in html


@pytest.mark.django_db
def test_dashboard_is_in_english_for_an_english_browser(hq, client_for):
    response = client_for(hq).get(reverse("cooperation:home"), HTTP_ACCEPT_LANGUAGE="en-GB,en;q=0.9")
    assert "Cooperation at a glance" in response.content.decode()
