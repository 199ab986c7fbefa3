"""Forms of the cooperation screens: stage update, activity log, referrals.

Forms only validate input and narrow choices to the user's scope; every write
goes through the domain services (``cooperation.<domain>.services``).
"""

from __future__ import annotations

import datetime

from django import forms
from django.conf import settings
from django.core.exceptions import ValidationError
from django.utils.translation import gettext_lazy as _

from cooperation.activities.services import attachment_validate
from cooperation.fiscal import today
from cooperation.models import Activity, Referral, RequestItem, Stage
from cooperation.security.dates import too_early, too_early_message
from offices.models import Municipality, Office


class DateInput(forms.DateInput):
    """A native date picker (keyboard-usable in every current browser), ISO value."""

    input_type = "date"

    def __init__(self, attrs=None):
        super().__init__(attrs=attrs, format="%Y-%m-%d")


def _not_in_future(day: datetime.date | None, message) -> datetime.date | None:
    """The date, unless it lies in the future (``message``) or before the tracker's earliest date."""
    if day is not None and day > today():
        raise ValidationError(message)
    if too_early(day):
        raise ValidationError(too_early_message(day))
    return day


class ProgressUpdateForm(forms.Form):
    """Change the stage of one progress; ``version`` carries the optimistic-concurrency check."""

    version = forms.IntegerField(widget=forms.HiddenInput, min_value=0)
    stage = forms.ChoiceField(label=_("New stage"), choices=Stage.choices)
    effective_date = forms.DateField(
        label=_("Date it took effect"),
        widget=DateInput,
        help_text=_("May lie in the past (for example a meeting held last month), never in the future."),
    )
    note = forms.CharField(
        label=_("Note"),
        required=False,
        widget=forms.Textarea(attrs={"rows": 2}),
        help_text=_("Required for “Not feasible for now” and for a move back down the ladder: give the reason."),
    )

    def __init__(self, *args, progress, meanings=None, **kwargs):
        self.progress = progress
        kwargs.setdefault("auto_id", f"id_p{progress.pk}_%s")
        kwargs.setdefault(
            "initial",
            {"version": progress.version, "stage": progress.stage, "effective_date": today()},
        )
        super().__init__(*args, **kwargs)
        self.fields["effective_date"].widget.attrs["max"] = today().isoformat()
        from cooperation.yearly.meanings import stage_help  # what each stage means for this item (issue 15)

        self.fields["stage"].help_text = stage_help(progress.item_id, table=meanings)

    def clean_effective_date(self):
        return _not_in_future(self.cleaned_data["effective_date"], _("The date lies in the future."))


# Which counts matter for which kind of activity (the others stay hidden, and optional).
COUNTS_BY_KIND = {
    "attendees": [
        Activity.Kind.BRIEFING,
        Activity.Kind.EXCHANGE_MEETING,
        Activity.Kind.DISASTER,
        Activity.Kind.OTHER,
    ],
    "consultations": [Activity.Kind.JOINT_SESSION, Activity.Kind.VENUE, Activity.Kind.OTHER],
    "commissioners_present": [
        Activity.Kind.EXCHANGE_MEETING,
        Activity.Kind.JOINT_SESSION,
        Activity.Kind.VENUE,
        Activity.Kind.DISASTER,
        Activity.Kind.OTHER,
    ],
    "people_recommended": [Activity.Kind.RECOMMENDATION, Activity.Kind.OTHER],
    "commissioners_awarded": [Activity.Kind.AWARD, Activity.Kind.OTHER],
}


class MultipleFileInput(forms.ClearableFileInput):
    allow_multiple_selected = True


class MultipleFileField(forms.FileField):
    """Several files in one input; each is checked by ``attachment_validate``."""

    def __init__(self, *args, **kwargs):
        kwargs.setdefault("widget", MultipleFileInput)
        super().__init__(*args, **kwargs)

    def clean(self, data, initial=None):
        single = super().clean
        if isinstance(data, (list, tuple)):
            files = [single(item, initial) for item in data if item]
        else:
            files = [single(data, initial)] if data else []
        errors = []
        for uploaded in files:
            try:
                attachment_validate(uploaded)
            except ValidationError as error:
                errors.extend(error.messages)
        if errors:
            raise ValidationError(errors)
        return files


class MunicipalityChoiceField(forms.ModelChoiceField):
    def label_from_instance(self, obj):
        return f"{obj.name} ({obj.lg_code})"


class MunicipalitiesChoiceField(forms.ModelMultipleChoiceField):
    def label_from_instance(self, obj):
        return f"{obj.name} ({obj.lg_code})"


class ActivityForm(forms.ModelForm):
    """Log an activity of a center. Choices are narrowed to what the user may change."""

    municipalities = MunicipalitiesChoiceField(
        label=_("Local governments"),
        queryset=Municipality.objects.none(),
        widget=forms.CheckboxSelectMultiple,
    )
    attachments = MultipleFileField(
        label=_("Attachments"),
        required=False,
        help_text=_("PDF, images or Office files; several files may be chosen at once."),
    )
    advance = forms.BooleanField(
        label=_("Also move these local governments to “Done” for this item"),
        required=False,
        initial=False,
        help_text=_(
            "Those already at “Done” or “Established” stay as they are; the activity is recorded as the evidence."
        ),
    )

    class Meta:
        model = Activity
        fields = [
            "date",
            "office",
            "municipalities",
            "item",
            "kind",
            "title",
            "summary",
            "attendees",
            "consultations",
            "commissioners_present",
            "people_recommended",
            "commissioners_awarded",
            "follow_up_on",
        ]
        widgets = {
            "date": DateInput,
            "follow_up_on": DateInput,
            "summary": forms.Textarea(attrs={"rows": 4}),
        }

    def __init__(self, *args, user, office: Office | None = None, **kwargs):
        super().__init__(*args, **kwargs)
        self.user = user
        offices = Office.objects.editable_by(user)
        self.fields["office"].queryset = offices
        self.fields["office"].empty_label = None
        chosen = office
        if self.is_bound:
            posted = str(self.data.get("office", ""))
            chosen = offices.filter(pk=int(posted)).first() if posted.isdigit() else None
        municipalities = Municipality.objects.editable_by(user).active().select_related("office")
        if chosen is not None:
            # Those of the center's prefecture(s): a 北海道-wide meeting names towns of several centers.
            served = Municipality.objects.filter(office=chosen).values("prefecture")
            municipalities = municipalities.filter(prefecture__in=served).order_by("office__sort_order", "lg_code")
        self.fields["municipalities"].queryset = municipalities
        self.fields["item"].queryset = RequestItem.objects.active()
        self.fields["date"].widget.attrs["max"] = today().isoformat()
        self.fields["attachments"].help_text = _(
            "PDF, images or Office files, up to {limit} MB each; several files may be chosen at once."
        ).format(limit=settings.ATTACHMENT_MAX_BYTES // (1024 * 1024))
        for name in COUNTS_BY_KIND:
            self.fields[name].widget.attrs["min"] = 0

    def count_fields(self):
        """The count fields with the kinds they matter for (the template shows only those)."""
        return [(self[name], " ".join(kinds)) for name, kinds in COUNTS_BY_KIND.items()]

    def clean_date(self):
        return _not_in_future(self.cleaned_data["date"], _("The date of the activity lies in the future."))


class ReferralForm(forms.ModelForm):
    """File a referral (回付); the local governments offered are those the user may act for."""

    class Meta:
        model = Referral
        fields = ["municipality", "received_on", "topic", "agency", "summary"]
        field_classes = {"municipality": MunicipalityChoiceField}
        widgets = {
            "received_on": DateInput,
            "summary": forms.Textarea(attrs={"rows": 5}),
        }

    def __init__(self, *args, user, **kwargs):
        super().__init__(*args, **kwargs)
        choices = Municipality.objects.editable_by(user).active().order_by("lg_code")
        self.fields["municipality"].queryset = choices
        self.fields["received_on"].widget.attrs["max"] = today().isoformat()
        self.fields["summary"].help_text = _(
            "Describe the matter only. Do not enter personal information: "
            "no names, addresses, telephone numbers or My Number."
        )

    def clean_received_on(self):
        return _not_in_future(self.cleaned_data["received_on"], _("The date received lies in the future."))


class ReferralTransitionForm(forms.Form):
    """One step of a referral: acknowledge, start work, or close with an outcome."""

    to_status = forms.ChoiceField(
        label=_("New status"),
        choices=[
            (Referral.Status.ACKNOWLEDGED, Referral.Status.ACKNOWLEDGED.label),
            (Referral.Status.IN_PROGRESS, Referral.Status.IN_PROGRESS.label),
            (Referral.Status.CLOSED, Referral.Status.CLOSED.label),
        ],
    )
    outcome = forms.ChoiceField(
        label=_("Outcome"), required=False, choices=[("", "---------"), *Referral.Outcome.choices]
    )
    note = forms.CharField(label=_("Note"), required=False, widget=forms.Textarea(attrs={"rows": 2}))
