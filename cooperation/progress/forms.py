"""The form of a correcting change."""

from django import forms
from django.utils.translation import gettext_lazy as _

from cooperation.models import Stage


class ProgressCorrectForm(forms.Form):
    stage = forms.ChoiceField(
        label=_("Correct stage"),
        choices=Stage.choices,
        help_text=_("By default the stage before the wrong change."),
    )
    reason = forms.CharField(label=_("Why the change was wrong"), widget=forms.Textarea(attrs={"rows": 2}))
