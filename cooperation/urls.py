"""Site URLs: the admin, accounts and the cooperation screens."""

from django.contrib import admin
from django.urls import include, path

from cooperation import views

cooperation_patterns = [
    path("", views.HomeView.as_view(), name="home"),
]

urlpatterns = [
    path("", include((cooperation_patterns, "cooperation"))),
    path("accounts/", include("django.contrib.auth.urls")),
    path("i18n/", include("django.conf.urls.i18n")),
    path("admin/", admin.site.urls),
]
