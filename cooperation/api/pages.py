"""The account's token page: create a named token (shown once), see when each was last used, revoke it."""

from django.contrib import messages
from django.contrib.auth.mixins import LoginRequiredMixin
from django.core.exceptions import ValidationError
from django.http import HttpResponseRedirect
from django.shortcuts import get_object_or_404
from django.urls import reverse
from django.utils.translation import gettext as _
from django.views import View
from django.views.generic import TemplateView

from cooperation.api.forms import ApiTokenForm
from cooperation.api.models import ApiToken
from cooperation.api.services import api_token_create, api_token_revoke

NEW_KEY_SESSION = "api_token_new_key"


class ApiTokenListView(LoginRequiredMixin, TemplateView):
    template_name = "cooperation/apitoken_list.html"

    def get_context_data(self, **kwargs):
        context = super().get_context_data(**kwargs)
        context.setdefault("form", ApiTokenForm())
        context.update(
            tokens=ApiToken.objects.filter(user=self.request.user),
            new_key=self.request.session.pop(NEW_KEY_SESSION, None),
        )
        return context

    def post(self, request, *args, **kwargs):
        form = ApiTokenForm(request.POST)
        if form.is_valid():
            try:
                _token, key = api_token_create(by=request.user, name=form.cleaned_data["name"], request=request)
            except ValidationError as error:
                form.add_error(None, error)
            else:
                # Shown once, on the next page, and never stored in the clear anywhere else.
                request.session[NEW_KEY_SESSION] = key
                return HttpResponseRedirect(reverse("api:apitoken_list"))
        return self.render_to_response(self.get_context_data(form=form))


class ApiTokenRevokeView(LoginRequiredMixin, View):
    """POST only; another user's token is a 404."""

    http_method_names = ["post"]

    def post(self, request, pk):
        token = get_object_or_404(ApiToken.objects.filter(user=request.user), pk=pk)
        api_token_revoke(by=request.user, token=token, request=request)
        messages.success(request, _("The token “{name}” was revoked.").format(name=token.name))
        return HttpResponseRedirect(reverse("api:apitoken_list"))
