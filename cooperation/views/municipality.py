"""Local government page (自治体ページ)."""

from django.views.generic import DetailView

from cooperation.views.mixins import ScopedMixin
from offices.models import Municipality


class MunicipalityDetailView(ScopedMixin, DetailView):
    model = Municipality
    slug_field = "lg_code"
    slug_url_kwarg = "lg_code"
    template_name = "cooperation/municipality_detail.html"
