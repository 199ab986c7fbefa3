"""Routes for correcting stage changes (scope rules: tests/scope_rules/corrections.py)."""

from django.urls import path

from cooperation.progress import correction_views as views

urlpatterns = [
    path("history/<int:pk>/correct/", views.ProgressChangeCorrectView.as_view(), name="progresschange_correct"),
]
