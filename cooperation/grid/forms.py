"""The grid's common fields: one date and one note for every cell changed in this save."""

from django import forms
from django.utils.translation import gettext_lazy as _

from cooperation.fiscal import today
from cooperation.forms import DateInput


class GridSaveForm(forms.Form):
    effective_date = forms.DateField(
        label=_("Date the changes took effect"),
        widget=DateInput,
        help_text=_("One date for every cell you change in this save; never in the future."),
    )
    note = forms.CharField(
        label=_("Note for every change"),
        required=False,
        max_length=1000,
        widget=forms.Textarea(attrs={"rows": 2}),
        help_text=_("Required when a cell is set to “Not feasible for now” without a note of its own."),
    )

    def __init__(self, *args, **kwargs):
        kwargs.setdefault("initial", {"effective_date": today()})
        super().__init__(*args, **kwargs)
        self.fields["effective_date"].widget.attrs["max"] = today().isoformat()

    def clean_effective_date(self):
        day = self.cleaned_data["effective_date"]
        if day > today():
            raise forms.ValidationError(_("The date lies in the future."))
        return day
