"""Routes of the commissioner register, included under ``commissioners/`` in the cooperation namespace."""

from django.urls import path

from cooperation.commissioners import import_views, views

urlpatterns = [
    path("", views.CommissionerOverviewView.as_view(), name="commissioner_overview"),
    path("national/", views.CommissionerNationalView.as_view(), name="commissioner_national"),
    path("register/", views.CommissionerListView.as_view(), name="commissioner_list"),
    path("export/", views.CommissionerExportView.as_view(), name="commissioner_export"),
    path("import/", import_views.CommissionerImportView.as_view(), name="commissioner_import"),
    path("new/", views.CommissionerCreateView.as_view(), name="commissioner_create"),
    path("recommend/", views.CommissionerRecommendView.as_view(), name="commissioner_recommend"),
    path("<str:number>/", views.CommissionerDetailView.as_view(), name="commissioner_detail"),
    path("<str:number>/edit/", views.CommissionerUpdateView.as_view(), name="commissioner_update"),
    path("<str:number>/appoint/", views.CommissionerAppointView.as_view(), name="commissioner_appoint"),
    path("<str:number>/end/", views.CommissionerEndView.as_view(), name="commissioner_end"),
    path("<str:number>/awards/new/", views.CommissionerAwardCreateView.as_view(), name="commissioner_award_create"),
]
