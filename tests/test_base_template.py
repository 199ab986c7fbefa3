"""The shared page frame: the page title names the page, then the site."""

import re

from django.test import Client
from django.urls import reverse


def test_page_title_is_page_then_site(db):
    html = Client().get(reverse("login")).content.decode()
    title = re.search(r"<title>(.*?)</title>", html, re.S).group(1)
    assert title == "ログイン | 行政相談 連携ダッシュボード"
