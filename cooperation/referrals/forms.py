"""Forms of the referral screens: filing in either direction, each step, edits, withdrawal, reopening.

Forms validate input only; the services decide (policy, personal information,
dates). ``not_personal`` is the box the page shows once the service found
text that looks personal.
"""

from __future__ import annotations

from django import forms
from django.utils.translation import gettext_lazy as _

from cooperation.fiscal import today
from cooperation.forms import DateInput, ReferralForm
from cooperation.models import Referral
from offices import policies

NOT_PERSONAL_LABEL = _("This is not personal information")
NOT_PERSONAL_HELP = _(
    "Tick only if what was flagged identifies nobody (for example the public telephone number of an office). "
    "Your confirmation is recorded."
)


def _not_personal_field():
    return forms.BooleanField(label=NOT_PERSONAL_LABEL, required=False, help_text=NOT_PERSONAL_HELP)


def _step_date_field():
    return forms.DateField(
        label=_("Date"),
        required=False,
        widget=DateInput,
        help_text=_("When it happened, if not today (at most a few weeks back)."),
    )


class PersonalInformationMixin:
    """Shows the confirmation box only once something personal-looking was found."""

    def personal_information_flagged(self) -> bool:
        return any(getattr(error, "code", "") == "personal_information" for error in self.non_field_errors().data)


class ReferralFileForm(PersonalInformationMixin, ReferralForm):
    """File a referral; ministry staff also choose the direction (to the center, or to the local government)."""

    direction = forms.ChoiceField(label=_("Direction"), choices=Referral.Direction.choices, required=False)
    not_personal = _not_personal_field()

    class Meta(ReferralForm.Meta):
        fields = ["direction", *ReferralForm.Meta.fields]

    def __init__(self, *args, user, **kwargs):
        super().__init__(*args, user=user, **kwargs)
        self.both_directions = policies.can(user, policies.REFERRAL_FILE) and any(
            role.kind in {"headquarters", "bureau", "center"} and not role.read_only for role in user.scope_roles
        )
        if not self.both_directions:
            self.fields["direction"].choices = [(Referral.Direction.TO_CENTER, Referral.Direction.TO_CENTER.label)]
        self.fields["direction"].help_text = _(
            "“Center → local government” passes a consultation about a local matter that reached the "
            "ministry's window to the local government."
        )

    def clean_direction(self):
        return self.cleaned_data.get("direction") or Referral.Direction.TO_CENTER


class ReferralStepForm(PersonalInformationMixin, forms.Form):
    """One step of the receiving side: acknowledge, start work, or close with an outcome; a note and a date."""

    to_status = forms.ChoiceField(
        label=_("New status"),
        choices=[
            (Referral.Status.ACKNOWLEDGED, Referral.Status.ACKNOWLEDGED.label),
            (Referral.Status.IN_PROGRESS, Referral.Status.IN_PROGRESS.label),
            (Referral.Status.CLOSED, Referral.Status.CLOSED.label),
        ],
    )
    outcome = forms.ChoiceField(
        label=_("Outcome"),
        required=False,
        choices=[
            ("", "---------"),
            *[(value, label) for value, label in Referral.Outcome.choices if value != Referral.Outcome.WITHDRAWN],
        ],
    )
    note = forms.CharField(label=_("Note"), required=False, widget=forms.Textarea(attrs={"rows": 2}))
    on = _step_date_field()
    not_personal = _not_personal_field()

    def __init__(self, *args, **kwargs):
        super().__init__(*args, **kwargs)
        self.fields["on"].widget.attrs["max"] = today().isoformat()


class ReferralWithdrawForm(PersonalInformationMixin, forms.Form):
    note = forms.CharField(label=_("Note"), required=False, widget=forms.Textarea(attrs={"rows": 2}))
    on = _step_date_field()
    not_personal = _not_personal_field()


class ReferralReopenForm(PersonalInformationMixin, forms.Form):
    reason = forms.CharField(label=_("Reason for reopening"), widget=forms.Textarea(attrs={"rows": 2}))
    on = _step_date_field()
    not_personal = _not_personal_field()


class ReferralEditForm(PersonalInformationMixin, forms.ModelForm):
    """Correct a referral the other side has not acknowledged yet."""

    version = forms.IntegerField(widget=forms.HiddenInput, min_value=0)
    note = forms.CharField(
        label=_("What was corrected (optional)"), required=False, widget=forms.Textarea(attrs={"rows": 2})
    )
    not_personal = _not_personal_field()

    class Meta:
        model = Referral
        fields = ["received_on", "topic", "agency", "summary"]
        widgets = {"received_on": DateInput, "summary": forms.Textarea(attrs={"rows": 5})}

    def __init__(self, *args, **kwargs):
        super().__init__(*args, **kwargs)
        self.fields["received_on"].widget.attrs["max"] = today().isoformat()
        if not self.is_bound:
            self.initial["version"] = self.instance.version
