"""Sign-in and password pages, and the account pages of headquarters and the bureaus."""

from django.contrib import messages
from django.contrib.auth import views as auth_views
from django.contrib.auth.mixins import LoginRequiredMixin
from django.core.exceptions import PermissionDenied, ValidationError
from django.db.models import Prefetch, Q
from django.http import HttpResponseRedirect
from django.shortcuts import get_object_or_404
from django.urls import reverse
from django.utils.translation import gettext as _
from django.views.generic import ListView, TemplateView

from offices import policies, scopes, services
from offices.forms import (
    AuditFilterForm,
    LoginForm,
    RoleFormSet,
    UserCreateForm,
    UserFilterForm,
    UserUpdateForm,
    role_initial,
)
from offices.models import AuditEvent, Role, User

# --- sign-in and passwords -----------------------------------------------------------------------


class LoginView(auth_views.LoginView):
    form_class = LoginForm
    template_name = "registration/login.html"


class PasswordChangeView(auth_views.PasswordChangeView):
    template_name = "registration/password_change_form.html"

    def form_valid(self, form):
        response = super().form_valid(form)
        services.audit_record(action=AuditEvent.Action.PASSWORD_CHANGED, actor=form.user, request=self.request)
        return response


class PasswordResetView(auth_views.PasswordResetView):
    template_name = "registration/password_reset_form.html"
    email_template_name = "registration/password_reset_email.txt"
    subject_template_name = "registration/password_reset_subject.txt"


class PasswordResetConfirmView(auth_views.PasswordResetConfirmView):
    template_name = "registration/password_reset_confirm.html"

    def form_valid(self, form):
        response = super().form_valid(form)
        services.audit_record(
            action=AuditEvent.Action.PASSWORD_CHANGED,
            actor=form.user,
            request=self.request,
            detail={"via": "reset"},
        )
        return response


# --- account management --------------------------------------------------------------------------


class AccountManagerMixin(LoginRequiredMixin):
    """Headquarters and bureaus only (403 for everyone else); users outside their reach are a 404."""

    def dispatch(self, request, *args, **kwargs):
        if request.user.is_authenticated and not policies.can(request.user, policies.USER_MANAGE):
            raise PermissionDenied(_("Only headquarters and regional bureaus manage accounts."))
        return super().dispatch(request, *args, **kwargs)

    def managed_users(self):
        return User.objects.filter(scopes.manageable_users_q(self.request.user))


ROLES_WITH_TARGETS = Prefetch(
    "roles", queryset=Role.objects.select_related("region", "office", "prefecture", "municipality")
)


class UserListView(AccountManagerMixin, ListView):
    template_name = "offices/user_list.html"
    context_object_name = "users"
    paginate_by = 50

    def get_queryset(self):
        self.filter_form = UserFilterForm(self.request.GET or None)
        users = self.managed_users().prefetch_related(ROLES_WITH_TARGETS).order_by("username")
        if self.filter_form.is_valid():
            text = self.filter_form.cleaned_data["q"].strip()
            if text:
                users = users.filter(
                    Q(username__icontains=text) | Q(display_name__icontains=text) | Q(email__icontains=text)
                )
            active = self.filter_form.cleaned_data["active"]
            if active:
                users = users.filter(is_active=active == "yes")
        return users

    def get_context_data(self, **kwargs):
        return super().get_context_data(filter_form=self.filter_form, **kwargs)


class UserFormMixin(AccountManagerMixin, TemplateView):
    """A user form and its role formset on one page, saved through offices.services."""

    template_name = "offices/user_form.html"
    object = None

    def roles_formset(self, data=None, initial=None):
        return RoleFormSet(data, initial=initial, form_kwargs={"manager": self.request.user}, prefix="roles")

    def render(self, form, formset):
        return self.render_to_response(self.get_context_data(form=form, formset=formset, object=self.object))

    def saved(self, user, message):
        messages.success(self.request, message)
        return HttpResponseRedirect(reverse("offices:user_update", kwargs={"pk": user.pk}))


class UserCreateView(UserFormMixin):
    def get(self, request, *args, **kwargs):
        return self.render(UserCreateForm(), self.roles_formset())

    def post(self, request, *args, **kwargs):
        form = UserCreateForm(request.POST)
        formset = self.roles_formset(request.POST)
        if not (form.is_valid() and formset.is_valid()):
            return self.render(form, formset)
        try:
            user = services.user_create(
                by=request.user,
                username=form.cleaned_data["username"],
                password=form.cleaned_data["password1"],
                display_name=form.cleaned_data["display_name"],
                email=form.cleaned_data["email"],
                roles=formset.roles(),
                request=request,
            )
        except ValidationError as error:
            form.add_error(None, error)
            return self.render(form, formset)
        return self.saved(user, _("Account {username} created.").format(username=user.username))


class UserUpdateView(UserFormMixin):
    def dispatch(self, request, *args, **kwargs):
        if request.user.is_authenticated and policies.can(request.user, policies.USER_MANAGE):
            self.object = get_object_or_404(self.managed_users(), pk=kwargs["pk"])
        return super().dispatch(request, *args, **kwargs)

    def get(self, request, *args, **kwargs):
        return self.render(UserUpdateForm(instance=self.object), self.roles_formset(initial=role_initial(self.object)))

    def post(self, request, *args, **kwargs):
        form = UserUpdateForm(request.POST, instance=User.objects.get(pk=self.object.pk))
        formset = self.roles_formset(request.POST, initial=role_initial(self.object))
        if not (form.is_valid() and formset.is_valid()):
            return self.render(form, formset)
        try:
            services.user_update(
                by=request.user,
                user=self.object,
                display_name=form.cleaned_data["display_name"],
                email=form.cleaned_data["email"],
                roles=formset.roles(),
                request=request,
            )
        except ValidationError as error:
            form.add_error(None, error)
            return self.render(form, formset)
        return self.saved(self.object, _("Account {username} saved.").format(username=self.object.username))


class UserDeactivateView(AccountManagerMixin, TemplateView):
    template_name = "offices/user_confirm_deactivate.html"

    def dispatch(self, request, *args, **kwargs):
        if request.user.is_authenticated and policies.can(request.user, policies.USER_MANAGE):
            self.object = get_object_or_404(self.managed_users(), pk=kwargs["pk"])
            if self.object.pk == request.user.pk:
                raise PermissionDenied(_("You cannot deactivate your own account."))
        return super().dispatch(request, *args, **kwargs)

    def get_context_data(self, **kwargs):
        return super().get_context_data(object=self.object, **kwargs)

    def post(self, request, *args, **kwargs):
        services.user_deactivate(by=request.user, user=self.object, request=request)
        messages.success(request, _("Account {username} deactivated.").format(username=self.object.username))
        return HttpResponseRedirect(reverse("offices:user_list"))


class AuditEventListView(AccountManagerMixin, ListView):
    """The audit trail: everything for headquarters, the events of its region's people for a bureau."""

    template_name = "offices/auditevent_list.html"
    context_object_name = "events"
    paginate_by = 100

    def get_queryset(self):
        self.filter_form = AuditFilterForm(self.request.GET or None)
        events = AuditEvent.objects.select_related("actor").order_by("-at", "-id")
        if not policies.can(self.request.user, policies.AUDIT_VIEW_ALL):
            managed = self.managed_users()
            usernames = managed.values("username")
            events = events.filter(
                Q(actor__in=managed.values("pk")) | Q(username__in=usernames) | Q(target__in=usernames)
            )
        if self.filter_form.is_valid():
            if self.filter_form.cleaned_data["action"]:
                events = events.filter(action=self.filter_form.cleaned_data["action"])
            text = self.filter_form.cleaned_data["q"].strip()
            if text:
                events = events.filter(Q(username__icontains=text) | Q(target__icontains=text))
        return events

    def get_context_data(self, **kwargs):
        return super().get_context_data(filter_form=self.filter_form, **kwargs)
