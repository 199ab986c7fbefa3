"""Routes of the referral steps added with two-way referrals (their scope rules: tests/scope_rules/corrections.py)."""

from django.urls import path

from cooperation.referrals import two_way_views as views

urlpatterns = [
    path("referrals/<int:pk>/edit/", views.ReferralUpdateView.as_view(), name="referral_update"),
    path("referrals/<int:pk>/withdraw/", views.ReferralWithdrawView.as_view(), name="referral_withdraw"),
    path("referrals/<int:pk>/reopen/", views.ReferralReopenView.as_view(), name="referral_reopen"),
]
