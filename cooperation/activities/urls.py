"""Routes for correcting and cancelling activities (scope rules: tests/scope_rules/corrections.py)."""

from django.urls import path

from cooperation.activities import correction_views as views

urlpatterns = [
    path("activities/<int:pk>/edit/", views.ActivityUpdateView.as_view(), name="activity_update"),
    path("activities/<int:pk>/cancel/", views.ActivityCancelView.as_view(), name="activity_cancel"),
]
