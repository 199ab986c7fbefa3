"""Center desk (センター業務画面)."""

from django.views.generic import DetailView

from cooperation.views.mixins import ScopedMixin
from offices.models import Office


class OfficeDeskView(ScopedMixin, DetailView):
    model = Office
    slug_field = "code"
    slug_url_kwarg = "code"
    template_name = "cooperation/office_desk.html"
