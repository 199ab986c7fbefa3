"""Referral screens, both ways: filing, the detail page (audited), each side's steps, edit, withdraw, reopen.

Scope comes from ``Referral.objects.visible_to`` (out of scope: 404); what a
user may do comes from ``offices.policies`` (not allowed: 403). A prefecture
officer sees its municipalities' referrals' metadata (topic, dates, status),
not their text (``referral.read_text``).
"""

from __future__ import annotations

from django.contrib import messages
from django.core.exceptions import ValidationError
from django.shortcuts import get_object_or_404, redirect
from django.utils.translation import gettext as _
from django.views.generic import DetailView, View
from django.views.generic.base import TemplateResponseMixin

from cooperation.mixins import ScopedMixin, require
from cooperation.models import Referral
from cooperation.referrals import views as base
from cooperation.referrals.events import REFERRAL_VIEWED
from cooperation.referrals.forms import (
    ReferralEditForm,
    ReferralFileForm,
    ReferralReopenForm,
    ReferralStepForm,
    ReferralWithdrawForm,
)
from cooperation.referrals.services import (
    EDITABLE_FIELDS,
    REFERRAL_TRANSITIONS,
    referral_create,
    referral_reopen,
    referral_transition,
    referral_update,
    referral_withdraw,
)
from offices import events, policies

COMMISSIONER_CONTACT = [f"commissioner__{name}" for name in ("postal_code", "address", "phone", "email", "note")]


class ReferralCreateView(base.ReferralCreateView):
    """File a referral; ministry staff may also pass one from the center to a local government."""

    form_class = ReferralFileForm

    def get_form_kwargs(self):
        kwargs = super().get_form_kwargs()
        kwargs["municipality"] = self.municipality
        return kwargs

    def get_initial(self):
        initial = super().get_initial()
        if self.request.GET.get("direction") in Referral.Direction.values:
            initial["direction"] = self.request.GET["direction"]
        return initial

    def form_valid(self, form):
        data = form.cleaned_data
        try:
            referral = referral_create(
                by=self.request.user,
                municipality=data["municipality"],
                received_on=data["received_on"],
                topic=data["topic"],
                agency=data["agency"],
                summary=data["summary"],
                direction=data["direction"],
                commissioner=data["commissioner"],
                not_personal=data["not_personal"],
            )
        except ValidationError as error:
            form.add_error(None, error)
            return self.form_invalid(form)
        if referral.to_center:
            message = _("The referral was filed with {office}.").format(office=referral.office.label)
        elif referral.to_commissioner:
            message = _("The referral was passed to the commissioner {name}; {office} records its steps.").format(
                name=referral.commissioner.name, office=referral.office.label
            )
        else:
            message = _("The referral was passed to {name}.").format(name=referral.municipality.name)
        messages.success(self.request, message)
        for change in referral.progress_changes.select_related("progress__item"):
            messages.success(
                self.request,
                _("This is the first referral of {name}: item {item} moved to “{stage}”.").format(
                    name=referral.municipality.name,
                    item=change.progress.item.code,
                    stage=change.get_to_stage_display(),
                ),
            )
        return redirect(referral)


class ReferralDetailView(ScopedMixin, DetailView):
    """A referral and its timeline, with the steps the user may take; every opening is audited."""

    model = Referral
    template_name = "cooperation/referral_detail.html"

    def scoped_queryset(self):
        # The commissioner's name only: contact details are not read for a referral's page.
        return (
            super()
            .scoped_queryset()
            .select_related("municipality", "office", "created_by", "commissioner")
            .defer(*COMMISSIONER_CONTACT)
        )

    def get(self, request, *args, **kwargs):
        response = super().get(request, *args, **kwargs)
        events.publish(
            REFERRAL_VIEWED,
            actor=request.user,
            target=str(self.object.pk),
            data={
                "referral_id": self.object.pk,
                "municipality_id": self.object.municipality_id,
                "text_shown": response.context_data["may_read_text"],
            },
            request=request,
        )
        return response

    def get_context_data(self, **kwargs):
        context = super().get_context_data(**kwargs)
        referral = self.object
        user = self.request.user
        may_handle = policies.can(user, policies.REFERRAL_HANDLE, referral)
        allowed = REFERRAL_TRANSITIONS[referral.status] if may_handle else set()
        steps = list(referral.events.select_related("by").order_by("at", "id"))
        labels = {name: Referral._meta.get_field(name).verbose_name for name in EDITABLE_FIELDS}
        for step in steps:
            step.previous_items = [
                (labels[name], value) for name, value in step.previous.items() if name in labels and value != ""
            ]
        context.update(
            events=steps,
            may_read_text=policies.can(user, policies.REFERRAL_READ_TEXT, referral),
            may_handle=may_handle,
            can_acknowledge=Referral.Status.ACKNOWLEDGED in allowed,
            can_start=Referral.Status.IN_PROGRESS in allowed,
            can_close=Referral.Status.CLOSED in allowed,
            may_edit=policies.can(user, policies.REFERRAL_EDIT, referral),
            may_withdraw=policies.can(user, policies.REFERRAL_WITHDRAW, referral),
            may_reopen=policies.can(user, policies.REFERRAL_REOPEN, referral),
            form=kwargs.get("form") or ReferralStepForm(),
            withdraw_form=kwargs.get("withdraw_form") or ReferralWithdrawForm(),
            reopen_form=kwargs.get("reopen_form") or ReferralReopenForm(),
        )
        return context


class _ReferralPost(ReferralDetailView):
    """A POST on a visible referral (else 404), refused with 403 unless ``action`` allows it."""

    http_method_names = ["post"]
    action: str = ""
    refusal: str = ""
    form_class = None
    form_name = "form"

    def post(self, request, *args, **kwargs):
        self.object = referral = self.get_object()
        require(policies.can(request.user, self.action, referral), self.refusal)
        form = self.form_class(request.POST)
        if form.is_valid():
            try:
                message = self.act(referral, form.cleaned_data)
            except ValidationError as error:
                form.add_error(None, error)
            else:
                messages.success(request, message)
                return redirect(referral)
        return self.render_to_response(self.get_context_data(**{self.form_name: form}))


class ReferralTransitionView(_ReferralPost):
    """The receiving side acknowledges, starts work on or closes a referral, with a note and a date."""

    action = policies.REFERRAL_HANDLE
    refusal = _("You may not handle this referral.")
    form_class = ReferralStepForm

    def act(self, referral, data):
        referral_transition(
            referral=referral,
            to_status=data["to_status"],
            by=self.request.user,
            outcome=data["outcome"],
            note=data["note"],
            on=data["on"],
            not_personal=data["not_personal"],
        )
        return _("The referral is now “{status}”.").format(status=referral.get_status_display())


class ReferralWithdrawView(_ReferralPost):
    """The filing side withdraws a referral before it is acknowledged."""

    action = policies.REFERRAL_WITHDRAW
    refusal = _("Only the filing side may withdraw a referral, and only before it is acknowledged.")
    form_class = ReferralWithdrawForm
    form_name = "withdraw_form"

    def act(self, referral, data):
        referral_withdraw(
            referral=referral, by=self.request.user, note=data["note"], on=data["on"], not_personal=data["not_personal"]
        )
        return _("The referral was withdrawn.")


class ReferralReopenView(_ReferralPost):
    """Either side reopens a closed referral, with a reason."""

    action = policies.REFERRAL_REOPEN
    refusal = _("You may not reopen this referral.")
    form_class = ReferralReopenForm
    form_name = "reopen_form"

    def act(self, referral, data):
        referral_reopen(
            referral=referral,
            by=self.request.user,
            reason=data["reason"],
            on=data["on"],
            not_personal=data["not_personal"],
        )
        return _("The referral was reopened.")


class ReferralUpdateView(ScopedMixin, TemplateResponseMixin, View):
    """The filing side corrects a referral until the other side acknowledges it."""

    template_name = "cooperation/referral_update.html"

    def dispatch(self, request, *args, **kwargs):
        if not request.user.is_authenticated:
            return self.handle_no_permission()
        self.referral = get_object_or_404(
            Referral.objects.visible_to(request.user).select_related("municipality", "office"), pk=kwargs["pk"]
        )
        require(
            policies.can(request.user, policies.REFERRAL_EDIT, self.referral),
            _("Only the filing side may edit a referral, and only before it is acknowledged."),
        )
        return super().dispatch(request, *args, **kwargs)

    def get(self, request, *args, **kwargs):
        return self.render_to_response({"referral": self.referral, "form": ReferralEditForm(instance=self.referral)})

    def post(self, request, *args, **kwargs):
        original = Referral.objects.get(pk=self.referral.pk)
        form = ReferralEditForm(request.POST, instance=self.referral)
        if form.is_valid():
            data = form.cleaned_data
            try:
                referral_update(
                    referral=original,
                    by=request.user,
                    expected_version=data["version"],
                    not_personal=data["not_personal"],
                    note=data["note"],
                    **{name: data[name] for name in ReferralEditForm.Meta.fields},
                )
            except ValidationError as error:
                form.add_error(None, error)
            else:
                messages.success(request, _("The referral was corrected."))
                return redirect(original)
        return self.render_to_response({"referral": original, "form": form})
