"""Sign-in with lock-out, and the account forms whose choices are narrowed to the manager's region."""

import math

from django import forms
from django.contrib.admin.forms import AdminAuthenticationForm
from django.contrib.auth.forms import AuthenticationForm, UserCreationForm
from django.core.exceptions import ValidationError
from django.utils import timezone
from django.utils.translation import gettext_lazy as _

from offices import events, scopes
from offices.models import Municipality, Office, Prefecture, Region, Role, User
from offices.services import login_attempt_begin, login_attempt_failed, login_failure_record
from offices.validators import lg_code_complete, validate_lg_code


class LockoutMixin:
    """Count every attempt before its password is checked, refuse locked accounts and addresses, say so plainly.

    ``login_attempt_begin`` counts the attempt and its client address in one
    locked step (offices/throttle.py); a wrong password then may lock
    (``login_attempt_failed``), a right one starts the count again
    (offices.auth, on Django's user_logged_in signal). The audit trail
    records failures through Django's user_login_failed signal.
    """

    locked_message = _(
        "This account is locked after too many failed sign-ins. Try again in {minutes} minutes, "
        "or ask your account manager to reset your password."
    )
    address_locked_message = _(
        "Too many failed sign-ins came from your network address. Try again in {minutes} minutes."
    )

    def _minutes(self, until) -> int:
        return max(1, math.ceil((until - timezone.now()).total_seconds() / 60))

    def _locked_error(self, until) -> ValidationError:
        return ValidationError(self.locked_message.format(minutes=self._minutes(until)), code="locked")

    def clean(self):
        username = self.cleaned_data.get("username")
        if username and self.cleaned_data.get("password"):
            refusal = login_attempt_begin(username=username, request=self.request)
            if refusal is not None:
                login_failure_record(username=username, request=self.request)
                if refusal.address:
                    raise ValidationError(
                        self.address_locked_message.format(minutes=self._minutes(refusal.until)), code="address_locked"
                    )
                raise self._locked_error(refusal.until)
        try:
            return super().clean()
        except ValidationError:
            until = login_attempt_failed(username=username, request=self.request) if username else None
            if until is not None:
                raise self._locked_error(until) from None
            raise


class LoginForm(LockoutMixin, AuthenticationForm):
    """The site's sign-in form."""


class AdminLoginForm(LockoutMixin, AdminAuthenticationForm):
    """The admin's sign-in form, under the same lock-out."""


# --- account management ----------------------------------------------------------------------


def _narrow(queryset, manager, path):
    condition = scopes.grantable_q(manager, path)
    return queryset if condition is None else queryset.filter(condition)


class UserCreateForm(UserCreationForm):
    """A new account: name, contact and an initial password checked by Django's validators."""

    class Meta(UserCreationForm.Meta):
        model = User
        fields = ("username", "display_name", "email")


class UserUpdateForm(forms.ModelForm):
    class Meta:
        model = User
        fields = ("display_name", "email")


class RoleForm(forms.Form):
    """One role of a user: its kind, the organisation it covers, and whether it is read only."""

    kind = forms.ChoiceField(label=_("Role"))
    region = forms.ModelChoiceField(label=_("Regional bureau"), queryset=Region.objects.none(), required=False)
    office = forms.ModelChoiceField(label=_("Center"), queryset=Office.objects.none(), required=False)
    prefecture = forms.ModelChoiceField(label=_("Prefecture"), queryset=Prefecture.objects.none(), required=False)
    lg_code = forms.CharField(
        label=_("Local government code"),
        required=False,
        max_length=6,
        help_text=_("Six digits (five are completed with the check digit), e.g. 012033 for Otaru."),
        widget=forms.TextInput(attrs={"inputmode": "numeric", "autocomplete": "off", "size": 8}),
    )
    read_only = forms.BooleanField(label=_("Read only (viewer)"), required=False)

    TARGET_FIELDS = {
        Role.Kind.BUREAU: "region",
        Role.Kind.CENTER: "office",
        Role.Kind.PREFECTURE: "prefecture",
        Role.Kind.MUNICIPALITY: "lg_code",
    }

    def __init__(self, *args, manager: User, **kwargs):
        super().__init__(*args, **kwargs)
        self.manager = manager
        kinds = [
            (value, label)
            for value, label in Role.Kind.choices
            if value != Role.Kind.HEADQUARTERS or scopes.is_headquarters(manager, write=True)
        ]
        self.fields["kind"].choices = [("", "---------"), *kinds]
        self.fields["region"].queryset = _narrow(Region.objects.all(), manager, "")
        self.fields["office"].queryset = _narrow(Office.objects.all(), manager, "region")
        self.fields["prefecture"].queryset = _narrow(Prefecture.objects.all(), manager, "region")

    def clean_lg_code(self):
        code = lg_code_complete(self.cleaned_data["lg_code"])
        if not code:
            return None
        validate_lg_code(code)
        municipalities = _narrow(Municipality.objects.all(), self.manager, "prefecture__region")
        municipality = municipalities.filter(lg_code=code).first()
        if municipality is None:
            raise ValidationError(
                _("{code} is not a local government whose people you manage.").format(code=code), code="out_of_scope"
            )
        return municipality

    def clean(self):
        cleaned = super().clean()
        if self.errors:
            return cleaned
        role = Role(
            kind=cleaned["kind"],
            read_only=cleaned.get("read_only", False),
            region=cleaned.get("region"),
            office=cleaned.get("office"),
            prefecture=cleaned.get("prefecture"),
            municipality=cleaned.get("lg_code"),
        )
        try:
            role.clean()
        except ValidationError as error:
            for field, messages in error.message_dict.items():
                self.add_error("lg_code" if field == "municipality" else field, messages)
            return cleaned
        cleaned["role"] = role
        return cleaned


class BaseRoleFormSet(forms.BaseFormSet):
    def clean(self):
        super().clean()
        if any(self.errors):
            return
        seen = set()
        for form in self.forms:
            role = form.cleaned_data.get("role") if form.cleaned_data else None
            if role is None or self._should_delete_form(form):
                continue
            key = (role.kind, role.region_id, role.office_id, role.prefecture_id, role.municipality_id)
            if key in seen:
                raise ValidationError(_("The same role is listed twice."), code="duplicate_role")
            seen.add(key)

    def roles(self) -> list[Role]:
        """The unsaved roles the formset describes, without deleted and empty rows."""
        return [
            form.cleaned_data["role"]
            for form in self.forms
            if form.cleaned_data.get("role") is not None and not self._should_delete_form(form)
        ]


RoleFormSet = forms.formset_factory(
    RoleForm, formset=BaseRoleFormSet, extra=1, can_delete=True, min_num=1, validate_min=True, max_num=20
)


def role_initial(user: User) -> list[dict]:
    return [
        {
            "kind": role.kind,
            "region": role.region_id,
            "office": role.office_id,
            "prefecture": role.prefecture_id,
            "lg_code": role.municipality.lg_code if role.municipality_id else "",
            "read_only": role.read_only,
        }
        for role in user.roles.select_related("municipality")
    ]


class AuditFilterForm(forms.Form):
    action = forms.ChoiceField(label=_("Action"), required=False)
    q = forms.CharField(label=_("User name or target"), required=False, max_length=150)

    def __init__(self, *args, **kwargs):
        super().__init__(*args, **kwargs)
        self.fields["action"].choices = [("", _("All")), *events.choices()]


class UserFilterForm(forms.Form):
    q = forms.CharField(label=_("Search"), required=False, max_length=150)
    active = forms.ChoiceField(
        label=_("Status"),
        required=False,
        choices=[("", _("All")), ("yes", _("Active")), ("no", _("Deactivated"))],
    )
