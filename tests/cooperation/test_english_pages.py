"""English pages of issue 17 carry no Japanese besides names and data (issue 17, consistent words)."""

import re

import pytest
from django.urls import reverse

pytestmark = pytest.mark.usefixtures("master")

# Japanese that is data, not interface: names of places and organisations, stage labels are translated.
JAPANESE = re.compile(r"[\u3040-\u30ff\u4e00-\u9fff]+")


def chrome_text(html: str) -> str:
    """The page without the data cells: headings, labels, buttons, help and navigation."""
    html = re.sub(r"<(script|style)\b.*?</\1>", "", html, flags=re.S)
    html = re.sub(r'<option value="[^"]*"[^>]*>[^<]*</option>', "", html)
    html = re.sub(r"<(td|th|a|li|dd)\b[^>]*>.*?</\1>", "", html, flags=re.S)
    return re.sub(r"<[^>]+>", " ", html)


@pytest.mark.parametrize(
    "role, name",
    [
        ("lg_otaru", "cooperation:home"),
        ("center_sapporo", "cooperation:progress_grid"),
        ("hq", "cooperation:office_list"),
    ],
)
def test_english_page_has_no_japanese_interface_text(request, client_for, role, name):
    client = client_for(request.getfixturevalue(role))
    client.cookies["django_language"] = "en"
    html = client.get(reverse(name), HTTP_ACCEPT_LANGUAGE="en").content.decode()
    assert '<html lang="en">' in html
    # The language menu names itself in Japanese; 小樽市 and 札幌 (its center) are names.
    leftovers = set(JAPANESE.findall(chrome_text(html))) - {"日本語", "小樽市", "札幌"}
    assert not leftovers, leftovers
