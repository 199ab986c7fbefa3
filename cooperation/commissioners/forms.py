"""Forms of the register pages: they validate input and narrow choices to the user's scope; services write."""

from __future__ import annotations

from django import forms
from django.utils.translation import gettext_lazy as _

from cooperation.commissioners.models import Commissioner, CommissionerAward, CommissionerBackground
from cooperation.forms import DateInput
from offices import policies
from offices.models import Municipality

FORMATS = [("xlsx", _("Excel workbook (.xlsx)")), ("csv", _("CSV, UTF-8 with BOM (.csv)"))]


def _areas(user, action: str):
    """Active municipalities (not prefectural governments) ``user`` may act on for ``action``."""
    return (
        Municipality.objects.active()
        .filter(policies.allowed_q(user, action))
        .exclude(kind=Municipality.Kind.PREFECTURE)
        .select_related("prefecture")
        .order_by("lg_code")
    )


class AreaChoiceField(forms.ModelChoiceField):
    def label_from_instance(self, obj):
        return f"{obj.lg_code} {obj.prefecture.name}{obj.name}"


class CommissionerForm(forms.Form):
    """A commissioner's editable fields; ``with_term`` adds the first term (a new entry)."""

    number = forms.CharField(
        label=_("Commissioner number"),
        required=False,
        max_length=12,
        help_text=_("Leave empty to take the next number of the prefecture."),
    )
    name = forms.CharField(label=_("Name"), max_length=64)
    name_kana = forms.CharField(label=_("Name (kana)"), max_length=128)
    municipality = AreaChoiceField(label=_("Area (municipality)"), queryset=Municipality.objects.none())
    appointed_on = forms.DateField(label=_("Appointed on"), widget=DateInput)
    term_ends_on = forms.DateField(
        label=_("Term ends on"), widget=DateInput, required=False, help_text=_("Empty: two years after appointment.")
    )
    counselor_since = forms.DateField(
        label=_("Complaint counselor since (兼務)"),
        widget=DateInput,
        required=False,
        help_text=_("Fill in if the commissioner is also the municipality's complaint counselor."),
    )
    backgrounds = forms.ModelMultipleChoiceField(
        label=_("Background"),
        queryset=CommissionerBackground.objects.all(),
        required=False,
        widget=forms.CheckboxSelectMultiple,
    )
    postal_code = forms.CharField(label=_("Postal code"), max_length=8, required=False)
    address = forms.CharField(label=_("Address"), max_length=200, required=False)
    phone = forms.CharField(label=_("Telephone"), max_length=20, required=False)
    email = forms.EmailField(label=_("E-mail"), required=False)
    note = forms.CharField(label=_("Note"), required=False, widget=forms.Textarea(attrs={"rows": 3}))
    version = forms.IntegerField(widget=forms.HiddenInput, required=False, min_value=0)

    def __init__(self, *args, user, with_term: bool, **kwargs):
        super().__init__(*args, **kwargs)
        self.fields["municipality"].queryset = _areas(user, policies.COMMISSIONER_MANAGE)
        if not with_term:
            for name in ("number", "appointed_on", "term_ends_on"):
                del self.fields[name]


class RecommendationForm(forms.Form):
    """A municipality recommends a person, usually its complaint counselor (item 3-1)."""

    municipality = AreaChoiceField(label=_("Recommending municipality"), queryset=Municipality.objects.none())
    name = forms.CharField(label=_("Name"), max_length=64)
    name_kana = forms.CharField(label=_("Name (kana)"), max_length=128)
    recommended_on = forms.DateField(label=_("Recommended on"), widget=DateInput)
    is_counselor = forms.BooleanField(
        label=_("The person is our complaint counselor (苦情相談員) and will hold both posts (兼務)"), required=False
    )
    counselor_since = forms.DateField(label=_("Complaint counselor since"), widget=DateInput, required=False)
    backgrounds = forms.ModelMultipleChoiceField(
        label=_("Background"),
        queryset=CommissionerBackground.objects.all(),
        required=False,
        widget=forms.CheckboxSelectMultiple,
    )
    note = forms.CharField(label=_("Note"), required=False, widget=forms.Textarea(attrs={"rows": 3}))

    def __init__(self, *args, user, **kwargs):
        super().__init__(*args, **kwargs)
        self.fields["municipality"].queryset = _areas(user, policies.COMMISSIONER_RECOMMEND)

    def clean(self):
        data = super().clean()
        if data.get("is_counselor") and not data.get("counselor_since"):
            self.add_error("counselor_since", _("Give the date the person became the complaint counselor."))
        if not data.get("is_counselor"):
            data["counselor_since"] = None
        return data


class AppointForm(forms.Form):
    version = forms.IntegerField(widget=forms.HiddenInput, min_value=0)
    starts_on = forms.DateField(label=_("Appointed on"), widget=DateInput)
    ends_on = forms.DateField(
        label=_("Term ends on"), widget=DateInput, required=False, help_text=_("Empty: two years after appointment.")
    )


class EndForm(forms.Form):
    version = forms.IntegerField(widget=forms.HiddenInput, min_value=0)
    status = forms.ChoiceField(
        label=_("Reason"),
        choices=[(Commissioner.Status.RETIRED, _("retired")), (Commissioner.Status.DECEASED, _("deceased"))],
    )
    on = forms.DateField(label=_("Date"), widget=DateInput)


class AwardForm(forms.Form):
    conferrer = forms.ChoiceField(label=_("Awarded by"), choices=CommissionerAward.Conferrer.choices)
    conferred_by = forms.ModelChoiceField(
        label=_("Awarding local government"),
        queryset=Municipality.objects.none(),
        required=False,
        help_text=_("For a governor's or mayor's award: the prefectural government or the municipality."),
    )
    title = forms.CharField(label=_("Award"), max_length=128)
    tier = forms.CharField(label=_("Tier"), max_length=64, required=False)
    awarded_on = forms.DateField(label=_("Awarded on"), widget=DateInput)
    note = forms.CharField(label=_("Note"), required=False, widget=forms.Textarea(attrs={"rows": 2}))

    def __init__(self, *args, user, commissioner: Commissioner, **kwargs):
        super().__init__(*args, **kwargs)
        area = commissioner.municipality
        self.fields["conferred_by"].queryset = (
            Municipality.objects.filter(policies.allowed_q(user, policies.COMMISSIONER_AWARD))
            .filter(
                pk__in=[
                    area.pk,
                    *Municipality.objects.filter(prefecture=area.prefecture_id, kind="prefecture").values_list(
                        "pk", flat=True
                    ),
                ]
            )
            .order_by("lg_code")
        )


class UploadForm(forms.Form):
    file = forms.FileField(
        label=_("Register file"), allow_empty_file=True, help_text=_(".xlsx, or .csv in UTF-8 or Shift_JIS.")
    )


class ApplyForm(forms.Form):
    token = forms.RegexField(regex=r"^[0-9a-f]{64}$", widget=forms.HiddenInput)
    fingerprint = forms.RegexField(regex=r"^[0-9a-f]{64}$", widget=forms.HiddenInput)
