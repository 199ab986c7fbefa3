"""Recording the relay (0-1) from the prefecture's page."""

from django.contrib import messages
from django.contrib.auth.mixins import LoginRequiredMixin
from django.core.exceptions import ValidationError
from django.shortcuts import get_object_or_404, redirect
from django.utils.translation import gettext as _
from django.views.generic import TemplateView

from cooperation.relay.forms import RelayRecordForm
from cooperation.relay.services import relay_record
from offices import policies
from offices.models import Municipality


class RelayRecordCreateView(LoginRequiredMixin, TemplateView):
    """POST records a relay of the prefecture's government (out of scope 404, only seen 403)."""

    template_name = "cooperation/relayrecord_form.html"
    http_method_names = ["get", "post"]

    def government(self):
        government = get_object_or_404(
            Municipality.objects.visible_to(self.request.user).select_related("prefecture"),
            prefecture__code=self.kwargs["code"],
            kind=Municipality.Kind.PREFECTURE,
        )
        policies.require(self.request.user, policies.PROGRESS_CHANGE, government)
        return government

    def get(self, request, *args, **kwargs):
        government = self.government()
        return self.render_to_response({"government": government, "form": RelayRecordForm()})

    def post(self, request, *args, **kwargs):
        government = self.government()
        form = RelayRecordForm(request.POST)
        if form.is_valid():
            try:
                relay_record(by=request.user, municipality=government, request=request, **form.cleaned_data)
            except ValidationError as error:
                form.add_error(None, error)
            else:
                messages.success(request, _("The relay to the municipalities was recorded."))
                return redirect(government.prefecture.get_absolute_url() + "#relay")
        return self.render_to_response({"government": government, "form": form})
