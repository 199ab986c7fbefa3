"""Referrals (回付)."""

from django.views.generic import DetailView

from cooperation.models import Referral
from cooperation.views.mixins import ScopedMixin


class ReferralDetailView(ScopedMixin, DetailView):
    model = Referral
    template_name = "cooperation/referral_detail.html"
