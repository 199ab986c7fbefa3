"""The API's resources, and the extension point for other domain packages.

A package with data for the API (sessions, commissioners, the yearly report)
adds its read-only viewset from its own ``api.py`` and imports that module
from its ``AppConfig.ready()`` or from here::

    from cooperation.api.routes import register
    register("sessions", SessionViewSet, basename="session")

Its ``get_queryset()`` must start from ``visible_to(request.user)`` and its
route needs rules in ``tests/scope_rules/api.py``; the schema, the Swagger UI,
the property-based run and the scope matrix then pick it up by themselves.
"""

from __future__ import annotations

from rest_framework.routers import SimpleRouter

from cooperation.api import views

router = SimpleRouter(trailing_slash=True)


def register(prefix: str, viewset, *, basename: str) -> None:
    router.register(prefix, viewset, basename=basename)


register("local-governments", views.LocalGovernmentViewSet, basename="localgovernment")
register("centers", views.CenterViewSet, basename="center")
register("items", views.RequestItemViewSet, basename="item")
register("progress", views.ProgressViewSet, basename="progress")
register("progress-changes", views.ProgressChangeViewSet, basename="progresschange")
register("activities", views.ActivityViewSet, basename="activity")
register("referrals", views.ReferralViewSet, basename="referral")


def _register_domains() -> None:
    """The resources of the packages built on the core, each in its own module of this package."""
    from cooperation.api import commissioners, disasters, sessions, yearly

    register("sessions", sessions.SessionViewSet, basename="session")
    register("session-series", sessions.SessionSeriesViewSet, basename="sessionseries")
    register("disasters", disasters.DisasterViewSet, basename="disaster")
    register("commissioners", commissioners.CommissionerViewSet, basename="commissioner")
    register("fiscal-years", yearly.FiscalYearViewSet, basename="fiscalyear")
    register("closed-figures", yearly.ClosedFigureViewSet, basename="closedfigure")


_register_domains()
