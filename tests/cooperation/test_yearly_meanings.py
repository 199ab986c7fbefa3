"""Stage meanings per item as data, shown in the forms and the survey help; dashboard years with data only."""

import datetime
from http import HTTPStatus

from django.core.cache import cache

from cooperation import fiscal
from cooperation.forms import ProgressUpdateForm
from cooperation.models import Progress, StageMeaning
from cooperation.progress.services import progress_update


def test_master_data_loads_the_meanings_and_one_off_relay_has_no_established(master):
    relay = StageMeaning.objects.get(item__code="0-1", stage="established")
    assert relay.applies is False
    award = StageMeaning.objects.get(item__code="3-2", stage="established")
    assert award.applies is True and "表彰規程" in award.text_ja


def test_progress_form_explains_the_stages_of_its_item(master, otaru):
    cache.clear()
    progress = Progress.objects.select_related("item").get(municipality=otaru, item__code="2-3")
    help_text = str(ProgressUpdateForm(progress=progress).fields["stage"].help_text)
    assert "実施: 国に関する相談を行政相談委員またはセンターに1件以上回付した。" in help_text


def test_survey_help_links_to_the_meanings_every_role_may_read(lg_otaru, client_for):
    client = client_for(lg_otaru)
    assert 'href="/stage-meanings/"' in client.get("/survey/").content.decode()
    content = client.get("/stage-meanings/").content.decode()
    assert "表彰規程・選考基準に行政相談委員が明記されている。" in content
    assert "一度の連絡で完了する事項のため" in content


def test_dashboard_offers_only_years_with_data(hq, client_for, otaru):
    current = fiscal.fiscal_year(fiscal.today())
    progress = Progress.objects.select_related("municipality", "item").get(municipality=otaru, item__code="1-1")
    progress_update(progress=progress, stage="considering", by=None, effective_date=datetime.date(current - 1, 6, 1))
    response = client_for(hq).get("/", {"fiscal_year": current - 3})
    assert response.status_code == HTTPStatus.OK
    offered = [value for value, _label in response.context["form"].fields["fiscal_year"].choices]
    assert offered == [current, current - 1]
    assert response.context["year_without_data"] == current - 3
    assert "warning" in response.content.decode()
