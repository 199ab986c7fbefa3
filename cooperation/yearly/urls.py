"""Routes of the yearly report, included from cooperation/urls.py."""

from django.urls import path

from cooperation.yearly import views

urlpatterns = [
    path("stage-meanings/", views.StageMeaningsView.as_view(), name="stage_meanings"),
    path("years/", views.YearListView.as_view(), name="yearly_list"),
    path("years/trends/", views.TrendView.as_view(), name="yearly_trends"),
    path("years/<int:year>/", views.YearReportView.as_view(), name="yearly_report"),
    path("years/<int:year>/print/", views.YearPrintView.as_view(), name="yearly_print"),
    path("years/<int:year>/report.xlsx", views.YearWorkbookView.as_view(), name="yearly_workbook"),
    path("years/<int:year>/close/", views.YearCloseView.as_view(), name="yearly_close"),
    path("years/<int:year>/reissue/", views.YearReissueView.as_view(), name="yearly_reissue"),
    path("years/<int:year>/reopen/", views.YearReopenView.as_view(), name="yearly_reopen"),
]
