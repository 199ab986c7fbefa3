"""The inbox, the preferences page and, for headquarters, the mail that could not be delivered."""

from django.conf import settings
from django.contrib import messages
from django.contrib.auth.mixins import LoginRequiredMixin
from django.core.exceptions import PermissionDenied, ValidationError
from django.http import Http404, HttpResponseRedirect
from django.shortcuts import get_object_or_404
from django.urls import reverse, reverse_lazy
from django.utils.http import url_has_allowed_host_and_scheme
from django.utils.translation import gettext as _
from django.views import View
from django.views.generic import FormView, ListView

from cooperation.notifications import kinds
from cooperation.notifications.forms import PreferenceForm
from cooperation.notifications.models import Notification, OutgoingMail
from cooperation.notifications.services import (
    delivery_for,
    mail_retry,
    notification_mark_read,
    notifications_mark_all_read,
    preference_of,
    preference_update,
)
from offices.policies import NOTIFICATION_MONITOR, NOTIFICATION_RETRY, can


def require(condition: bool) -> None:
    """403 unless ``condition`` (the failed-mail page is for headquarters)."""
    if not condition:
        raise PermissionDenied


def _safe_next(request, fallback: str) -> str:
    target = request.POST.get("next") or request.GET.get("next") or ""
    if target and url_has_allowed_host_and_scheme(target, allowed_hosts={request.get_host()}, require_https=False):
        return target
    return fallback


class NotificationListView(LoginRequiredMixin, ListView):
    template_name = "cooperation/notification_list.html"
    context_object_name = "notifications"
    paginate_by = 50

    def showing(self) -> str:
        return "all" if self.request.GET.get("show") == "all" else "unread"

    def get_queryset(self):
        queryset = Notification.objects.for_user(self.request.user).select_related("actor", "municipality")
        if self.showing() == "unread":
            queryset = queryset.unread()
        return queryset

    def get_context_data(self, **kwargs):
        context = super().get_context_data(**kwargs)
        context["showing"] = self.showing()
        context["retention_days"] = settings.NOTIFICATIONS_RETENTION_DAYS
        return context


class NotificationOpenView(LoginRequiredMixin, View):
    """Mark the notification read and go to its record (the record's own page checks scope again)."""

    def get(self, request, pk):
        try:
            notification = notification_mark_read(user=request.user, notification_id=pk)
        except Notification.DoesNotExist:
            raise Http404 from None
        url = notification.url if notification.url.startswith("/") and not notification.url.startswith("//") else "/"
        return HttpResponseRedirect(url)


class NotificationReadView(LoginRequiredMixin, View):
    def post(self, request, pk):
        try:
            notification_mark_read(user=request.user, notification_id=pk)
        except Notification.DoesNotExist:
            raise Http404 from None
        return HttpResponseRedirect(_safe_next(request, reverse("cooperation:notification_list")))


class NotificationReadAllView(LoginRequiredMixin, View):
    def post(self, request):
        count = notifications_mark_all_read(user=request.user)
        messages.success(request, _("{count} notifications marked read.").format(count=count))
        return HttpResponseRedirect(_safe_next(request, reverse("cooperation:notification_list")))


class NotificationPreferenceView(LoginRequiredMixin, FormView):
    template_name = "cooperation/notificationpreference_form.html"
    form_class = PreferenceForm
    success_url = reverse_lazy("cooperation:notification_preferences")

    def get_form_kwargs(self):
        user = self.request.user
        self.preference = preference_of(user)
        kwargs = super().get_form_kwargs()
        kwargs["defaults"] = {code: delivery_for(user, code, self.preference) for code in kinds.KINDS}
        return kwargs

    def get_initial(self):
        preference = self.preference
        return {
            "digest": preference.digest if preference else True,
            "language": preference.language if preference else self.request.LANGUAGE_CODE or "ja",
        }

    def form_valid(self, form):
        try:
            preference_update(
                user=self.request.user,
                deliveries=form.deliveries,
                digest=form.cleaned_data["digest"],
                language=form.cleaned_data["language"],
            )
        except ValidationError as error:
            form.add_error(None, error)
            return self.form_invalid(form)
        messages.success(self.request, _("Your notification settings were saved."))
        return super().form_valid(form)

    def get_context_data(self, **kwargs):
        context = super().get_context_data(**kwargs)
        context["has_address"] = bool(self.request.user.email)
        return context


class OutgoingMailListView(LoginRequiredMixin, ListView):
    """Mail that failed or waits for a retry (headquarters): a mail server problem is seen, not silent."""

    template_name = "cooperation/outgoingmail_list.html"
    context_object_name = "mails"
    paginate_by = 100

    def dispatch(self, request, *args, **kwargs):
        if request.user.is_authenticated:
            require(can(request.user, NOTIFICATION_MONITOR))
        return super().dispatch(request, *args, **kwargs)

    def get_queryset(self):
        return (
            OutgoingMail.objects.filter(status__in=[OutgoingMail.Status.FAILED, OutgoingMail.Status.RETRYING])
            .select_related("recipient")
            .order_by("status", "-created_at", "-id")
        )

    def get_context_data(self, **kwargs):
        context = super().get_context_data(**kwargs)
        context["may_retry"] = can(self.request.user, NOTIFICATION_RETRY)
        return context


class OutgoingMailRetryView(LoginRequiredMixin, View):
    def post(self, request, pk):
        require(can(request.user, NOTIFICATION_MONITOR))
        mail = get_object_or_404(OutgoingMail, pk=pk)
        require(can(request.user, NOTIFICATION_RETRY))
        try:
            mail_retry(mail=mail, by=request.user)
        except ValidationError as error:
            messages.error(request, " ".join(error.messages))
        else:
            messages.success(request, _("The mail to {address} was queued again.").format(address=mail.to_address))
        return HttpResponseRedirect(reverse("cooperation:outgoingmail_list"))
