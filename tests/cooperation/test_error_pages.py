"""Branded Japanese 403, 404 and 500 pages, each with a way back home (issue 17)."""

from http import HTTPStatus

import pytest
from django.test import RequestFactory
from django.urls import reverse
from django.views.defaults import server_error

pytestmark = pytest.mark.usefixtures("master")


def test_not_found_is_japanese_with_a_way_home(client_for, lg_otaru):
    response = client_for(lg_otaru).get("/municipalities/012025/")
    assert response.status_code == HTTPStatus.NOT_FOUND
    html = response.content.decode()
    assert "ページが見つかりません" in html
    assert f'<a class="button" href="{reverse("cooperation:home")}">ホームに戻る</a>' in html


def test_forbidden_is_japanese_and_names_the_reason(client_for, viewer_sapporo):
    response = client_for(viewer_sapporo).get(reverse("cooperation:progress_grid"))
    assert response.status_code == HTTPStatus.FORBIDDEN
    html = response.content.decode()
    assert "この操作は許可されていません" in html
    assert "このアカウントでは段階を変更できません。" in html
    assert "ホームに戻る" in html


def test_server_error_page_renders_without_a_request_context():
    request = RequestFactory().get("/")
    response = server_error(request)
    assert response.status_code == HTTPStatus.INTERNAL_SERVER_ERROR
    html = response.content.decode()
    assert "システムでエラーが発生しました" in html
    assert 'href="/"' in html
