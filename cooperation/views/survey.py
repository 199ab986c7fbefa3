"""Survey export and import (調査票)."""

from django.views.generic import DetailView

from cooperation.models import ImportBatch
from cooperation.views.mixins import ScopedMixin


class ImportBatchDetailView(ScopedMixin, DetailView):
    model = ImportBatch
    template_name = "cooperation/importbatch_detail.html"
