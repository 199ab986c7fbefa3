from django.urls import path

from cooperation.home import views

urlpatterns = [
    path("dashboard/", views.HomeDashboardView.as_view(), name="dashboard"),
    path("offices/", views.OfficeListView.as_view(), name="office_list"),
]
