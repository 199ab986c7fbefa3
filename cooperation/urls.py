"""Site URLs: the admin, accounts and the cooperation screens.

Each area keeps its routes in its own block below; every route's scope rule
is listed in tests/scope_rules.py (a route without one fails the build).
"""

from django.contrib import admin
from django.urls import include, path

from cooperation.views.home import HomeView

cooperation_patterns = [
    # --- dashboard and prefecture reports ---
    path("", HomeView.as_view(), name="home"),
    # --- end dashboard and prefecture reports ---
    # --- local government page, center desk, activities, referrals ---
    # --- end local government page, center desk, activities, referrals ---
    # --- lists ---
    # --- end lists ---
    # --- survey export and import ---
    # --- end survey export and import ---
]

urlpatterns = [
    path("", include((cooperation_patterns, "cooperation"))),
    path("accounts/", include("django.contrib.auth.urls")),
    path("i18n/", include("django.conf.urls.i18n")),
    path("admin/", admin.site.urls),
]
