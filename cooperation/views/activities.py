"""Activities (活動記録) and their attachments."""

from django.views.generic import DetailView

from cooperation.models import Activity
from cooperation.views.mixins import ScopedMixin


class ActivityDetailView(ScopedMixin, DetailView):
    model = Activity
    template_name = "cooperation/activity_detail.html"
