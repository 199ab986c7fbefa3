from django import forms
from django.utils.translation import gettext_lazy as _

from cooperation.fiscal import today
from cooperation.forms import DateInput


class RelayRecordForm(forms.Form):
    relayed_on = forms.DateField(
        label=_("Date relayed"),
        widget=DateInput,
        help_text=_("The date of the notice to the municipalities; never in the future."),
    )
    notice_number = forms.CharField(
        label=_("Notice number"),
        required=False,
        max_length=100,
        help_text=_("As written on the notice."),
    )
    note = forms.CharField(label=_("Note"), required=False, widget=forms.Textarea(attrs={"rows": 2}))
    mark_done = forms.BooleanField(
        label=_("Also set 0-1 to “Done” if it is not yet Done or Established"), required=False
    )

    def __init__(self, *args, **kwargs):
        kwargs.setdefault("initial", {"relayed_on": today()})
        kwargs.setdefault("auto_id", "relay_%s")
        super().__init__(*args, **kwargs)
        self.fields["relayed_on"].widget.attrs["max"] = today().isoformat()
