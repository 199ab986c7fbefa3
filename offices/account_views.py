"""The two buttons of an account's page: send a password reset, unlock (POST only)."""

from django.contrib import messages
from django.contrib.auth.mixins import LoginRequiredMixin
from django.core.exceptions import PermissionDenied, ValidationError
from django.shortcuts import get_object_or_404, redirect
from django.utils.translation import gettext as _
from django.views import View

from offices import accounts, scopes
from offices.models import User


class _AccountActionView(LoginRequiredMixin, View):
    """Accounts outside what the user manages are a 404; viewers and other roles a 403 (from the service)."""

    http_method_names = ["post"]

    def account(self, request, pk) -> User:
        if not scopes.can_manage_users(request.user):
            raise PermissionDenied(_("Only headquarters and regional bureaus manage accounts."))
        return get_object_or_404(User.objects.filter(scopes.manageable_users_q(request.user)), pk=pk)


class UserPasswordResetView(_AccountActionView):
    def post(self, request, pk):
        user = self.account(request, pk)
        try:
            accounts.user_password_reset_send(by=request.user, user=user, request=request)
        except ValidationError as error:
            messages.error(request, " ".join(error.messages))
        else:
            messages.success(request, _("A password reset link was sent to {email}.").format(email=user.email))
        return redirect("offices:user_update", pk=user.pk)


class UserUnlockView(_AccountActionView):
    def post(self, request, pk):
        user = self.account(request, pk)
        if accounts.user_unlock(by=request.user, user=user, request=request):
            messages.success(request, _("{username} may sign in again.").format(username=user.username))
        else:
            messages.info(request, _("{username} was not locked out.").format(username=user.username))
        return redirect("offices:user_update", pk=user.pk)
