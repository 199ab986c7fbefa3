"""No GET parameter of any route answers 500 (issue 11, finding 5).

Every route of the scope-rule matrix (tests/scope_rules/) is requested as
headquarters (who sees every page), its GET parameters are read from the page
itself (the fields of its GET forms and the query keys of its links) and from
the rule's own query, and each parameter in turn is given odd values: the
first and last days of the calendar, empty, a word, a very long text, unicode,
negative and huge numbers. Any answer is fine except a server error.
"""

from html.parser import HTMLParser
from urllib.parse import parse_qsl, urlencode, urlsplit

import pytest
from django.urls import reverse

from tests.scope_rules import ROLES, all_rules
from tests.scope_rules.world import World

ODD_VALUES = [
    "0001-01-01",
    "9999-12-31",
    "",
    "x",
    "9" * 5000,
    "日本語\u200b\U0001f600",
    "-1",
    "-99999999999999999999",
    "2026-02-30",
    "%00",
]
# Parameters of the list and report machinery, tried on every route that has GET parameters at all.
COMMON = ["page", "sort", "_export", "format", "as_of", "fiscal_year", "year", "q"]


def _routes():
    """One rule per route (the first with a page headquarters sees), so each page is fuzzed once."""
    seen, rules = set(), []
    for rule in all_rules():
        if rule.get is not None and rule.get.get("hq") == 200 and rule.name not in seen:
            seen.add(rule.name)
            rules.append(rule)
    return rules


RULES = _routes()


class _Parameters(HTMLParser):
    """Names of the fields of GET forms and the query keys of links that stay on the page."""

    def __init__(self, path: str):
        super().__init__()
        self.path = path
        self.names: set[str] = set()
        self.in_get_form = False

    def handle_starttag(self, tag, attrs):
        attributes = dict(attrs)
        if tag == "form":
            self.in_get_form = (attributes.get("method") or "get").lower() == "get"
        elif tag in {"input", "select", "textarea"} and self.in_get_form and attributes.get("name"):
            self.names.add(attributes["name"])
        elif tag == "a" and attributes.get("href"):
            link = urlsplit(attributes["href"])
            if link.query and link.path in {"", self.path}:
                self.names.update(name for name, _value in parse_qsl(link.query, keep_blank_values=True))

    def handle_endtag(self, tag):
        if tag == "form":
            self.in_get_form = False


@pytest.fixture
def world(master, request):
    return World({role: request.getfixturevalue(role) for role in ROLES})


@pytest.mark.parametrize("rule", RULES, ids=[rule.id for rule in RULES])
def test_odd_get_parameters_never_answer_500(rule, world, client_for, hq):
    client = client_for(hq)
    client.raise_request_exception = False
    path = reverse(rule.name, kwargs=rule.kwargs(world))
    base = dict(parse_qsl(rule.query, keep_blank_values=True))
    page = client.get(path, base)
    assert page.status_code < 500
    names = set(base)
    if page.get("Content-Type", "").startswith("text/html"):
        parser = _Parameters(path)
        parser.feed(page.content.decode())
        names |= parser.names
    names.discard("csrfmiddlewaretoken")
    if names:
        names |= set(COMMON)
    # Each odd value in every parameter at once, then each parameter alone with the earliest date and with
    # one of the other values in turn (every parameter × every value would take minutes per page).
    requests = [{name: value for name in names} for value in ODD_VALUES] if names else []
    for position, name in enumerate(sorted(names)):
        requests.append({name: ODD_VALUES[0]})
        requests.append({name: ODD_VALUES[1 + position % (len(ODD_VALUES) - 1)]})
    failures = []
    for query in requests:
        response = client.get(path + "?" + urlencode({**base, **query}))
        if response.status_code >= 500:
            failures.append(({name: value[:20] for name, value in query.items()}, response.status_code))
    assert failures == []
