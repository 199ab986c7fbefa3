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
from cooperation.models import Commissioner, Referral
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


class CommissionerChoiceField(forms.ModelChoiceField):
    """A serving commissioner by name only (contact details never reach the form), with the area if several."""

    with_area = False

    def label_from_instance(self, obj):
        if self.with_area:
            return f"{obj.municipality.name}: {obj.name}"
        return obj.name


MAX_AREAS_LISTED = 200


def commissioner_choices(user, municipalities):
    """The serving commissioners the user sees who work in one of ``municipalities``: name and area only."""
    return (
        Commissioner.objects.visible_to(user)
        .serving()
        .filter(municipality__in=municipalities)
        .select_related("municipality")
        .only("pk", "name", "name_kana", "number", "status", "municipality__name", "municipality__lg_code")
        .order_by("municipality__lg_code", "name_kana", "number")
    )


class ReferralFileForm(PersonalInformationMixin, ReferralForm):
    """File a referral: to the center or to a commissioner of the area; ministry staff also to a local government.

    Works without JavaScript: the commissioners offered are those serving in
    the area of the local government chosen beforehand (``municipality``) or
    else of every local government the user may file for, each named with its
    area; the choice is checked against the local government on submission.
    """

    direction = forms.ChoiceField(label=_("Direction"), choices=Referral.Direction.choices, required=False)
    commissioner = CommissionerChoiceField(
        label=_("Commissioner"),
        queryset=Commissioner.objects.none(),
        required=False,
        help_text=_("Only for a referral to a commissioner: a serving commissioner of the local government's area."),
    )
    not_personal = _not_personal_field()

    class Meta(ReferralForm.Meta):
        fields = ["direction", "commissioner", *ReferralForm.Meta.fields]

    def __init__(self, *args, user, municipality=None, **kwargs):
        super().__init__(*args, user=user, **kwargs)
        self.both_directions = policies.can(user, policies.REFERRAL_FILE) and any(
            role.kind in {"headquarters", "bureau", "center"} and not role.read_only for role in user.scope_roles
        )
        areas = [municipality] if municipality is not None else self.fields["municipality"].queryset
        # Headquarters may file for the whole country: its ~5,000 commissioners are offered from the
        # local government's page (``?municipality=``), which names the area first.
        too_many = municipality is None and self.fields["municipality"].queryset.count() > MAX_AREAS_LISTED
        commissioners = commissioner_choices(user, areas)
        self.fields["commissioner"].queryset = commissioners
        self.fields["commissioner"].with_area = municipality is None
        self.has_commissioners = not too_many and commissioners.exists()
        choices = [(Referral.Direction.TO_CENTER, Referral.Direction.TO_CENTER.label)]
        if self.has_commissioners:
            choices.append((Referral.Direction.TO_COMMISSIONER, Referral.Direction.TO_COMMISSIONER.label))
        if self.both_directions:
            choices.append((Referral.Direction.TO_MUNICIPALITY, Referral.Direction.TO_MUNICIPALITY.label))
        self.fields["direction"].choices = choices
        self.show_direction = len(choices) > 1
        help_texts = [
            _(
                "“Local government → commissioner” passes it to a commissioner of the local government's own "
                "area; the center records the commissioner's steps."
            )
        ]
        if self.both_directions:
            help_texts.append(
                _(
                    "“Center → local government” passes a consultation about a local matter that reached the "
                    "ministry's window to the local government."
                )
            )
        self.fields["direction"].help_text = " ".join(str(text) for text in help_texts)
        if self.has_commissioners:
            self.no_commissioner_note = ""
        elif too_many:
            self.no_commissioner_note = _(
                "To refer to a commissioner, open this form from the local government's page: "
                "it offers the commissioners of its area."
            )
        elif municipality is not None:
            self.no_commissioner_note = _(
                "No serving commissioner is registered for the area of {name}, so the referral goes to the center."
            ).format(name=municipality.name)
        else:
            self.no_commissioner_note = _(
                "No serving commissioner is registered for the local governments you may file for, "
                "so the referral goes to the center."
            )

    def clean_direction(self):
        return self.cleaned_data.get("direction") or Referral.Direction.TO_CENTER

    def clean(self):
        data = super().clean()
        if data.get("direction") != Referral.Direction.TO_COMMISSIONER:
            # Without JavaScript the select stays on the page: a choice left there means nothing.
            data["commissioner"] = None
            return data
        commissioner, municipality = data.get("commissioner"), data.get("municipality")
        if commissioner is None:
            if "commissioner" not in self.errors:
                self.add_error("commissioner", _("Choose the commissioner the referral goes to."))
        elif municipality is not None and commissioner.municipality_id != municipality.pk:
            self.add_error(
                "commissioner",
                _("{name} works in the area of {area}, not of {municipality}.").format(
                    name=commissioner.name, area=commissioner.municipality.name, municipality=municipality.name
                ),
            )
        return data


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
