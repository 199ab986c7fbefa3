"""Forms for correcting and cancelling an activity."""

from __future__ import annotations

from django import forms
from django.utils.translation import gettext_lazy as _

from cooperation.activities.corrections import KEEP, REVERT
from cooperation.forms import ActivityForm


class ActivityEditForm(ActivityForm):
    """The logging form, for a correction: the same fields and choices, plus the reason and the version."""

    version = forms.IntegerField(widget=forms.HiddenInput, min_value=0)
    reason = forms.CharField(label=_("Reason for the correction"), widget=forms.Textarea(attrs={"rows": 2}))

    def __init__(self, *args, **kwargs):
        super().__init__(*args, **kwargs)
        for name in ("attachments", "advance", "office"):
            del self.fields[name]
        if not self.is_bound:
            self.initial["version"] = self.instance.version


class ActivityCancelForm(forms.Form):
    reason = forms.CharField(label=_("Reason for cancelling"), widget=forms.Textarea(attrs={"rows": 2}))
    stages = forms.ChoiceField(
        label=_("The stages this activity moved"),
        choices=[
            (REVERT, _("Revert them through correcting changes (back to the stage before)")),
            (KEEP, _("Keep them, with a note saying why")),
        ],
        widget=forms.RadioSelect,
        required=False,
    )
    note = forms.CharField(label=_("Note (when the stages are kept)"), required=False)
