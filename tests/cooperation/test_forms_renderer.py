"""The form renderer writes the standard widgets in Python: its markup must be exactly what Django's templates give."""

import datetime

import pytest
from django import forms
from django.forms.renderers import TemplatesSetting
from django.test import override_settings
from django.utils.translation import gettext_lazy

from cooperation.fiscal import today
from cooperation.home.forms_renderer import SiteFormRenderer


class TemplateRenderer(SiteFormRenderer):
    """The same renderer with every widget through its template: the reference."""

    def render(self, template_name, context, request=None):
        return TemplatesSetting.render(self, template_name, context, request)


CHOICES = [("", "---------"), ("a", "A & B"), (1, 2), ("x", gettext_lazy("Not feasible for now"))]
GROUPED = [("g<1>", [("a", "A"), ("b", "B")]), ("c", "C")]
ATTRS = [None, {"class": "x", "required": True, "disabled": False, "rows": 2, "data-q": 'say "hi" <b>'}]
WIDGETS = [
    (forms.TextInput(), [None, "", "a<b&c", 0, "全角"]),
    (forms.DateInput(attrs={"type": "date"}), [None, datetime.date(2026, 4, 1), "2026-13-01"]),
    (forms.HiddenInput(), [None, 3, "v"]),
    (forms.NumberInput(attrs={"min": 0}), [None, 0, 12.5, "7"]),
    (forms.EmailInput(), [None, "a@example.jp"]),
    (forms.CheckboxInput(), [None, True, False, "on"]),
    (forms.Textarea(attrs={"rows": 2}), [None, "", "行1\n<行2>", 0]),
    (forms.Select(choices=CHOICES), [None, "", "a", "1", 1, "missing"]),
    (forms.Select(choices=GROUPED), [None, "b", "c"]),
    (forms.SelectMultiple(choices=CHOICES), [None, ["a", "x"], []]),
    (forms.NullBooleanSelect(), [None, True, False, "unknown"]),
    (forms.RadioSelect(choices=CHOICES), [None, "a"]),
    (forms.CheckboxSelectMultiple(choices=CHOICES), [None, ["a"]]),
]


@pytest.mark.parametrize("language", ["ja", "en"])
@pytest.mark.parametrize("widget,values", WIDGETS, ids=[type(widget).__name__ for widget, _values in WIDGETS])
def test_every_widget_renders_as_its_template(widget, values, language, settings):
    from django.utils import translation

    fast, reference = SiteFormRenderer(), TemplateRenderer()
    with translation.override(language):
        for value in values:
            for attrs in ATTRS:
                expected = widget.render("field", value, attrs=attrs, renderer=reference)
                assert widget.render("field", value, attrs=attrs, renderer=fast) == expected, (value, attrs)


@pytest.mark.django_db
@pytest.mark.parametrize(
    "user,path",
    [
        ("center_sapporo", "/municipalities/012033/"),
        ("center_sapporo", "/activities/new/?office=sapporo"),
        ("lg_otaru", "/referrals/new/"),
        ("center_sapporo", "/progress/grid/?office=sapporo"),
        ("hq", "/activities/?fiscal_year=2026"),
        ("hq", "/notifications/settings/"),
        ("center_sapporo", "/sessions/new/?office=sapporo"),
        ("center_sapporo", "/commissioners/new/?office=sapporo"),
        ("hq", "/accounts/users/new/"),
    ],
)
def test_pages_with_forms_are_the_same_with_either_renderer(user, path, client_for, request, settings):
    client = client_for(request.getfixturevalue(user))
    fast = client.get(path)
    assert fast.status_code == 200
    with override_settings(FORM_RENDERER="tests.cooperation.test_forms_renderer.TemplateRenderer"):
        reference = client.get(path)

    def body(response):
        html = response.content.decode()
        # The CSRF token is masked afresh on every response; everything else must be equal.
        import re

        return re.sub(r'name="csrfmiddlewaretoken" value="[^"]+"', "", html)

    assert "<select" in body(fast) or "<input" in body(fast)
    assert body(fast) == body(reference)


@pytest.mark.django_db
def test_a_form_with_errors_and_the_confirmation_box_is_the_same_with_either_renderer(client_for, lg_otaru, otaru):
    """Errors, the error summary and the "not personal" checkbox that appears after a phone number was found."""
    import re

    client = client_for(lg_otaru)
    data = {
        "municipality": otaru.pk,
        "received_on": today().isoformat(),
        "topic": "tax",
        "summary": "連絡先 090-1234-5678 の方から国税の相談",
    }
    fast = client.post("/referrals/new/", data)
    with override_settings(FORM_RENDERER="tests.cooperation.test_forms_renderer.TemplateRenderer"):
        reference = client.post("/referrals/new/", data)
    html = fast.content.decode()
    assert fast.status_code == 200 and 'name="not_personal"' in html and 'type="checkbox"' in html

    def body(content):
        return re.sub(r'name="csrfmiddlewaretoken" value="[^"]+"', "", content.decode())

    assert body(fast.content) == body(reference.content)
