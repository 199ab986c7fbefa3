"""Forms of the calendar: their choices narrowed to what the user may plan for."""

from django import forms
from django.db.models import Q
from django.utils.translation import gettext_lazy as _

from cooperation.sessions.models import Agency, ConsultationField, Kind, Recurrence, Venue
from offices.models import Municipality


class DateInput(forms.DateInput):
    input_type = "date"

    def __init__(self, **kwargs):
        super().__init__(format="%Y-%m-%d", **kwargs)


class TimeInput(forms.TimeInput):
    input_type = "time"

    def __init__(self, **kwargs):
        super().__init__(format="%H:%M", **kwargs)


def served_q(office) -> Q:
    """Local governments a center plans with: those it serves and the prefectural government of its prefecture."""
    return Q(office=office) | Q(kind=Municipality.Kind.PREFECTURE, prefecture=office.prefecture_id)


class PlanFields(forms.Form):
    title = forms.CharField(label=_("Title"), max_length=200)
    start_time = forms.TimeField(label=_("Starts at"), widget=TimeInput())
    end_time = forms.TimeField(label=_("Ends at"), widget=TimeInput())
    venue = forms.ModelChoiceField(label=_("Venue"), queryset=Venue.objects.none(), required=False)
    municipalities = forms.ModelMultipleChoiceField(
        label=_("Local governments taking part"),
        queryset=Municipality.objects.none(),
        widget=forms.CheckboxSelectMultiple,
    )
    agencies = forms.ModelMultipleChoiceField(
        label=_("Other agencies present"),
        queryset=Agency.objects.filter(is_active=True),
        widget=forms.CheckboxSelectMultiple,
        required=False,
    )
    note = forms.CharField(label=_("Note"), widget=forms.Textarea(attrs={"rows": 3}), required=False)

    def __init__(self, *args, office, municipalities=None, **kwargs):
        super().__init__(*args, **kwargs)
        choices = (
            municipalities if municipalities is not None else Municipality.objects.active().filter(served_q(office))
        )
        self.fields["municipalities"].queryset = choices
        self.fields["venue"].queryset = Venue.objects.filter(municipality__in=choices.values("pk")).select_related(
            "municipality"
        )
        self.fields["venue"].label_from_instance = lambda venue: f"{venue.municipality.name} {venue.name}"

    def clean(self):
        data = super().clean()
        if data.get("start_time") and data.get("end_time") and data["end_time"] <= data["start_time"]:
            self.add_error("end_time", _("The session ends before it starts."))
        return data


class SeriesForm(PlanFields):
    kind = forms.ChoiceField(
        label=_("Kind"), choices=[(k, label) for k, label in Kind.choices if k != Kind.SPECIAL_OFFICE]
    )
    recurrence = forms.ChoiceField(label=_("Recurrence"), choices=Recurrence.choices)
    starts_on = forms.DateField(label=_("First date"), widget=DateInput())
    ends_on = forms.DateField(label=_("Last date"), widget=DateInput())
    field_order = ["kind", "title", "recurrence", "starts_on", "ends_on", "start_time", "end_time", "venue"]

    def clean(self):
        data = super().clean()
        if data.get("starts_on") and data.get("ends_on") and data["ends_on"] < data["starts_on"]:
            self.add_error("ends_on", _("The series ends before it starts."))
        return data


class SeriesUpdateForm(PlanFields):
    version = forms.IntegerField(widget=forms.HiddenInput)
    ends_on = forms.DateField(label=_("Last date"), widget=DateInput())
    field_order = ["title", "ends_on", "start_time", "end_time", "venue"]


class SessionForm(PlanFields):
    kind = forms.ChoiceField(
        label=_("Kind"), choices=[(k, label) for k, label in Kind.choices if k != Kind.SPECIAL_OFFICE]
    )
    date = forms.DateField(label=_("Date"), widget=DateInput())
    field_order = ["kind", "title", "date", "start_time", "end_time", "venue"]


class SessionUpdateForm(PlanFields):
    version = forms.IntegerField(widget=forms.HiddenInput)
    date = forms.DateField(label=_("Date"), widget=DateInput())
    field_order = ["title", "date", "start_time", "end_time", "venue"]


class HoldForm(forms.Form):
    """Figures of a held session: consultations received per field."""

    version = forms.IntegerField(widget=forms.HiddenInput)
    commissioners_present = forms.IntegerField(label=_("Commissioners present"), min_value=0, required=False)
    summary = forms.CharField(label=_("Summary"), widget=forms.Textarea(attrs={"rows": 3}), required=False)

    def __init__(self, *args, **kwargs):
        super().__init__(*args, **kwargs)
        for value, label in ConsultationField.choices:
            self.fields["field_" + value] = forms.IntegerField(label=label, min_value=0, required=False)

    def figure_fields(self):
        return [self["field_" + value] for value in ConsultationField.values]

    def figures(self) -> dict:
        return {value: self.cleaned_data.get("field_" + value) for value in ConsultationField.values}


class ProposeForm(forms.Form):
    title = forms.CharField(label=_("Title"), max_length=200)
    date = forms.DateField(label=_("Date"), widget=DateInput())
    start_time = forms.TimeField(label=_("Starts at"), widget=TimeInput())
    end_time = forms.TimeField(label=_("Ends at"), widget=TimeInput())
    venue = forms.ModelChoiceField(label=_("Venue"), queryset=Venue.objects.none(), required=False)
    note = forms.CharField(label=_("Note"), widget=forms.Textarea(attrs={"rows": 3}), required=False)

    def __init__(self, *args, municipality, **kwargs):
        super().__init__(*args, **kwargs)
        self.fields["venue"].queryset = Venue.objects.filter(municipality=municipality)


class VenueForm(forms.ModelForm):
    class Meta:
        model = Venue
        fields = ["name", "address", "provided_by_municipality", "for_disasters", "capacity", "note"]
