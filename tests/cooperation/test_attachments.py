"""Attachments are served only through /attachments/<pk>/, to those who may see the activity."""

import datetime
from http import HTTPStatus
from pathlib import Path

import pytest
from django.core.files.uploadedfile import SimpleUploadedFile
from django.urls import reverse

from cooperation.activities.services import activity_create
from cooperation.fiscal import today
from cooperation.models import RequestItem

pytestmark = pytest.mark.django_db

CONTENT = b"%PDF-1.4 minutes of the briefing"


@pytest.fixture
def attachment(otaru):
    """A file attached to an activity of the 札幌 center with 小樽市."""
    activity = activity_create(
        by=None,
        municipalities=[otaru],
        office=otaru.office,
        item=RequestItem.objects.get(code="1-1"),
        kind="briefing",
        date=today() - datetime.timedelta(days=1),
        title="小樽市 職員向け説明会",
        files=[SimpleUploadedFile("説明会 議事録.pdf", CONTENT, content_type="application/pdf")],
    )
    return activity.attachments.get()


def download(client, attachment):
    return client.get(reverse("cooperation:attachment_download", kwargs={"pk": attachment.pk}))


def test_file_is_served_as_a_download_with_its_name_and_type(attachment, client_for, center_sapporo):
    response = download(client_for(center_sapporo), attachment)
    assert response.status_code == HTTPStatus.OK
    assert b"".join(response.streaming_content) == CONTENT
    assert response["Content-Type"] == "application/pdf"
    assert response["Content-Disposition"].startswith("attachment;")
    assert "%E8%AD%B0%E4%BA%8B%E9%8C%B2.pdf" in response["Content-Disposition"]
    assert response["X-Content-Type-Options"] == "nosniff"


def test_officer_of_a_local_government_of_the_activity_may_download(attachment, client_for, lg_otaru):
    assert download(client_for(lg_otaru), attachment).status_code == HTTPStatus.OK


@pytest.mark.parametrize("role", ["center_hakodate", "lg_hakodate", "bureau_chugoku_shikoku", "lg_sapporo"])
def test_file_is_not_found_for_those_who_may_not_see_the_activity(role, attachment, client_for, request):
    response = download(client_for(request.getfixturevalue(role)), attachment)
    assert response.status_code == HTTPStatus.NOT_FOUND
    assert CONTENT not in response.content


def test_anonymous_visitor_is_sent_to_sign_in(attachment, client):
    response = download(client, attachment)
    assert response.status_code == HTTPStatus.FOUND
    assert response["Location"].startswith(reverse("login"))


def test_file_is_unreachable_by_its_storage_path(attachment, client_for, center_sapporo):
    client = client_for(center_sapporo)
    for path in ("/" + attachment.file.name, "/media/" + attachment.file.name, "/static/" + attachment.file.name):
        assert client.get(path).status_code == HTTPStatus.NOT_FOUND


def test_file_is_stored_privately_without_a_url(attachment, settings):
    stored = Path(attachment.file.path).resolve()
    assert stored.is_relative_to(Path(settings.PRIVATE_MEDIA_ROOT).resolve())
    with pytest.raises(ValueError):
        str(attachment.file.url)


def test_missing_file_is_not_found(attachment, client_for, center_sapporo):
    Path(attachment.file.path).unlink()
    assert download(client_for(center_sapporo), attachment).status_code == HTTPStatus.NOT_FOUND


def test_activity_page_links_to_the_download_view(attachment, client_for, lg_otaru):
    html = client_for(lg_otaru).get(attachment.activity.get_absolute_url()).content.decode()
    assert f'href="{attachment.get_absolute_url()}"' in html
    assert "説明会 議事録.pdf" in html
