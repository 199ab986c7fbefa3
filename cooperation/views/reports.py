"""Prefecture report (都道府県別レポート)."""

from django.db.models import Exists, OuterRef
from django.views.generic import DetailView

from cooperation.views.mixins import ScopedMixin
from offices.models import Municipality, Prefecture


class PrefectureReportView(ScopedMixin, DetailView):
    model = Prefecture
    slug_field = "code"
    slug_url_kwarg = "code"
    template_name = "cooperation/prefecture_report.html"

    def scoped_queryset(self):
        visible = Municipality.objects.visible_to(self.request.user).filter(prefecture=OuterRef("pk"))
        return Prefecture.objects.filter(Exists(visible))
