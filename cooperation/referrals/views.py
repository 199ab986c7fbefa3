"""Referrals (回付): filing by a local government, handling by its center."""

from django.contrib import messages
from django.core.exceptions import ValidationError
from django.shortcuts import get_object_or_404, redirect
from django.utils.translation import gettext as _
from django.views.generic import DetailView, FormView

from cooperation.fiscal import today
from cooperation.forms import ReferralForm, ReferralTransitionForm
from cooperation.mixins import ScopedMixin, require
from cooperation.models import Referral
from cooperation.referrals.services import REFERRAL_TRANSITIONS, referral_create, referral_transition
from offices import policies
from offices.models import Municipality


class ReferralCreateView(ScopedMixin, FormView):
    """File a referral for a local government the user may act for (its officer, or its center).

    ``?municipality=<lg_code>`` preselects: 404 if the user cannot see it, 403 if they may not act for it.
    """

    form_class = ReferralForm
    template_name = "cooperation/referral_form.html"

    def dispatch(self, request, *args, **kwargs):
        if not request.user.is_authenticated:
            return self.handle_no_permission()
        self.editable = Municipality.objects.filter(policies.allowed_q(request.user, policies.REFERRAL_FILE)).active()
        self.municipality = None
        code = request.GET.get("municipality")
        if code:
            self.municipality = get_object_or_404(Municipality.objects.visible_to(request.user), lg_code=code)
            require(
                self.editable.filter(pk=self.municipality.pk).exists(),
                _("You may not file referrals for this local government."),
            )
        else:
            only = list(self.editable[:2])
            require(bool(only), _("You may not file referrals."))
            self.municipality = only[0] if len(only) == 1 else None
        return super().dispatch(request, *args, **kwargs)

    def get_form_kwargs(self):
        kwargs = super().get_form_kwargs()
        kwargs["user"] = self.request.user
        return kwargs

    def get_initial(self):
        return {"municipality": self.municipality, "received_on": today()}

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
            )
        except ValidationError as error:
            form.add_error(None, error)
            return self.form_invalid(form)
        messages.success(
            self.request,
            _("The referral was filed with {office}.").format(office=referral.office.label),
        )
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
    """A referral and its timeline; handling buttons for those who may handle it."""

    model = Referral
    template_name = "cooperation/referral_detail.html"

    def scoped_queryset(self):
        return super().scoped_queryset().select_related("municipality", "office", "created_by")

    def get_context_data(self, **kwargs):
        context = super().get_context_data(**kwargs)
        referral = self.object
        may_handle = policies.can(self.request.user, policies.REFERRAL_HANDLE, referral.municipality_id)
        allowed = REFERRAL_TRANSITIONS[referral.status] if may_handle else set()
        context.update(
            events=referral.events.select_related("by").order_by("at", "id"),
            may_handle=may_handle,
            can_acknowledge=Referral.Status.ACKNOWLEDGED in allowed,
            can_start=Referral.Status.IN_PROGRESS in allowed,
            can_close=Referral.Status.CLOSED in allowed,
            outcomes=Referral.Outcome.choices,
            form=kwargs.get("form") or ReferralTransitionForm(),
        )
        return context


class ReferralTransitionView(ReferralDetailView):
    """Acknowledge, start work on or close a referral (POST) through ``referral_transition``."""

    http_method_names = ["post"]

    def post(self, request, *args, **kwargs):
        self.object = referral = self.get_object()
        require(
            policies.can(request.user, policies.REFERRAL_HANDLE, referral.municipality_id),
            _("You may not handle this referral."),
        )
        form = ReferralTransitionForm(request.POST)
        if form.is_valid():
            data = form.cleaned_data
            try:
                referral_transition(
                    referral=referral,
                    to_status=data["to_status"],
                    by=request.user,
                    outcome=data["outcome"],
                    note=data["note"],
                )
            except ValidationError as error:
                form.add_error(None, error)
            else:
                messages.success(
                    request,
                    _("The referral is now “{status}”.").format(status=referral.get_status_display()),
                )
                return redirect(referral)
        return self.render_to_response(self.get_context_data(form=form))
