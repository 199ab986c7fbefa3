"""Forms of disaster response, their choices narrowed to the user's scope."""

from django import forms
from django.utils.translation import gettext_lazy as _

from cooperation.disasters.models import Disaster, Preparedness
from cooperation.sessions.forms import DateInput, TimeInput
from cooperation.sessions.models import Agency, Venue
from offices.models import Municipality, Office, Prefecture


class DeclareForm(forms.Form):
    name = forms.CharField(label=_("Name"), max_length=100)
    kind = forms.ChoiceField(label=_("Kind"), choices=Disaster.Kind.choices)
    started_on = forms.DateField(label=_("Start date"), widget=DateInput())
    prefectures = forms.ModelMultipleChoiceField(
        label=_("Affected prefectures"), queryset=Prefecture.objects.none(), widget=forms.CheckboxSelectMultiple
    )
    municipalities = forms.CharField(
        label=_("Affected local governments"),
        required=False,
        widget=forms.Textarea(attrs={"rows": 3}),
        help_text=_(
            "Local government codes or names, separated by commas or lines; empty: every one of the prefectures."
        ),
    )
    note = forms.CharField(label=_("Note"), widget=forms.Textarea(attrs={"rows": 3}), required=False)

    def __init__(self, *args, prefectures, **kwargs):
        super().__init__(*args, **kwargs)
        self.fields["prefectures"].queryset = prefectures

    def clean_municipalities(self):
        import re

        words = [w for w in re.split(r"[,、，\s]+", self.cleaned_data["municipalities"]) if w]
        found, unknown = [], []
        for word in words:
            match = Municipality.objects.filter(lg_code=word).first() or Municipality.objects.filter(name=word).first()
            (found.append(match) if match else unknown.append(word))
        if unknown:
            raise forms.ValidationError(_("Unknown local governments: {names}.").format(names="、".join(unknown)))
        return found


class SpecialOfficeForm(forms.Form):
    office = forms.ModelChoiceField(label=_("Center"), queryset=Office.objects.none())
    title = forms.CharField(label=_("Site"), max_length=200)
    date = forms.DateField(label=_("First day"), widget=DateInput())
    end_date = forms.DateField(label=_("Last day"), widget=DateInput(), required=False)
    start_time = forms.TimeField(label=_("Opens at"), widget=TimeInput())
    end_time = forms.TimeField(label=_("Closes at"), widget=TimeInput())
    venue = forms.ModelChoiceField(label=_("Venue"), queryset=Venue.objects.none(), required=False)
    municipalities = forms.ModelMultipleChoiceField(
        label=_("Local governments taking part"), queryset=Municipality.objects.none()
    )
    agencies = forms.ModelMultipleChoiceField(
        label=_("Other agencies present"),
        queryset=Agency.objects.filter(is_active=True),
        widget=forms.CheckboxSelectMultiple,
        required=False,
    )
    note = forms.CharField(label=_("Note"), widget=forms.Textarea(attrs={"rows": 3}), required=False)

    def __init__(self, *args, offices, municipalities, **kwargs):
        super().__init__(*args, **kwargs)
        self.fields["office"].queryset = offices
        self.fields["municipalities"].queryset = municipalities
        self.fields["venue"].queryset = Venue.objects.filter(
            municipality__in=municipalities.values("pk")
        ).select_related("municipality")

    def clean(self):
        data = super().clean()
        if data.get("start_time") and data.get("end_time") and data["end_time"] <= data["start_time"]:
            self.add_error("end_time", _("The office closes before it opens."))
        if data.get("date") and data.get("end_date") and data["end_date"] < data["date"]:
            self.add_error("end_date", _("The last day lies before the first."))
        return data


class CasesForm(forms.Form):
    """One field per day the office is open (up to today)."""

    def __init__(self, *args, days, **kwargs):
        super().__init__(*args, **kwargs)
        for day in days:
            self.fields[day.isoformat()] = forms.IntegerField(label=str(day), min_value=0, required=False)

    def cases_by_day(self):
        import datetime

        return {datetime.date.fromisoformat(key): value for key, value in self.cleaned_data.items()}


class PreparednessForm(forms.ModelForm):
    class Meta:
        model = Preparedness
        fields = ["liaison_department", "liaison_phone", "liaison_email", "agreed_on", "note"]
        widgets = {"agreed_on": DateInput(), "note": forms.Textarea(attrs={"rows": 3})}


class CloseForm(forms.Form):
    version = forms.IntegerField(widget=forms.HiddenInput)
    ended_on = forms.DateField(label=_("Closed on"), widget=DateInput())
