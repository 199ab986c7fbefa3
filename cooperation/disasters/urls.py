"""Routes of disaster response (included from cooperation/urls.py)."""

from django.urls import path

from cooperation.disasters import views

urlpatterns = [
    path("disasters/", views.DisasterListView.as_view(), name="disaster_list"),
    path("disasters/new/", views.DisasterCreateView.as_view(), name="disaster_create"),
    path("disasters/<int:pk>/", views.DisasterDetailView.as_view(), name="disaster_detail"),
    path("disasters/<int:pk>/close/", views.DisasterCloseView.as_view(), name="disaster_close"),
    path("disasters/<int:pk>/offices/new/", views.SpecialOfficeCreateView.as_view(), name="specialoffice_create"),
    path("disasters/<int:pk>/report/", views.DisasterReportView.as_view(), name="disaster_report"),
    path(
        "disasters/<int:pk>/report/print/",
        views.DisasterReportView.as_view(),
        {"printed": True},
        name="disaster_report_print",
    ),
    path("disasters/<int:pk>/report.xlsx", views.DisasterReportXlsxView.as_view(), name="disaster_report_xlsx"),
    path("special-offices/<int:pk>/cases/", views.SpecialOfficeCasesView.as_view(), name="specialoffice_cases"),
    path(
        "municipalities/<str:lg_code>/preparedness/",
        views.PreparednessUpdateView.as_view(),
        name="preparedness_update",
    ),
]
