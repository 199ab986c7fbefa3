"""Site URLs: the admin, accounts and the cooperation screens.

Each area keeps its routes in its own block below; every route's scope rule
is listed in tests/scope_rules.py (a route without one fails the build).
"""

from django.contrib import admin
from django.urls import include, path

from cooperation.home import views as home_views
from cooperation.views import activities as activity_views
from cooperation.views import desk as desk_views
from cooperation.views import lists as list_views
from cooperation.views import municipality as municipality_views
from cooperation.views import referrals as referral_views
from cooperation.views import reports as report_views
from cooperation.views import survey as survey_views

cooperation_patterns = [
    # --- dashboard and prefecture reports ---
    path("", home_views.HomeView.as_view(), name="home"),
    path("prefectures/<str:code>/", report_views.PrefectureReportView.as_view(), name="prefecture_report"),
    path(
        "prefectures/<str:code>/export.xlsx",
        report_views.PrefectureExportXlsxView.as_view(),
        name="prefecture_export_xlsx",
    ),
    path(
        "prefectures/<str:code>/export.csv",
        report_views.PrefectureExportCsvView.as_view(),
        name="prefecture_export_csv",
    ),
    # --- end dashboard and prefecture reports ---
    # --- local government page, center desk, activities, referrals ---
    path(
        "municipalities/<str:lg_code>/",
        municipality_views.MunicipalityDetailView.as_view(),
        name="municipality_detail",
    ),
    path(
        "municipalities/<str:lg_code>/progress/<str:item>/",
        municipality_views.ProgressUpdateView.as_view(),
        name="progress_update",
    ),
    path("offices/<slug:code>/", desk_views.OfficeDeskView.as_view(), name="office_desk"),
    path("activities/new/", activity_views.ActivityCreateView.as_view(), name="activity_create"),
    path("activities/<int:pk>/", activity_views.ActivityDetailView.as_view(), name="activity_detail"),
    path(
        "activities/<int:pk>/follow-up-done/",
        activity_views.ActivityFollowUpDoneView.as_view(),
        name="activity_follow_up_done",
    ),
    path("attachments/<int:pk>/", activity_views.AttachmentDownloadView.as_view(), name="attachment_download"),
    path("referrals/new/", referral_views.ReferralCreateView.as_view(), name="referral_create"),
    path("referrals/<int:pk>/", referral_views.ReferralDetailView.as_view(), name="referral_detail"),
    path(
        "referrals/<int:pk>/transition/",
        referral_views.ReferralTransitionView.as_view(),
        name="referral_transition",
    ),
    # --- end local government page, center desk, activities, referrals ---
    # --- lists ---
    path("municipalities/", list_views.MunicipalityListView.as_view(), name="municipality_list"),
    path("activities/", list_views.ActivityListView.as_view(), name="activity_list"),
    path("referrals/", list_views.ReferralListView.as_view(), name="referral_list"),
    path("history/", list_views.ProgressChangeListView.as_view(), name="progresschange_list"),
    # --- end lists ---
    # --- survey export and import ---
    path("survey/", survey_views.SurveyExportView.as_view(), name="survey_export"),
    path("survey/import/", survey_views.SurveyImportView.as_view(), name="survey_import"),
    path("imports/<int:pk>/", survey_views.ImportBatchDetailView.as_view(), name="importbatch_detail"),
    # --- end survey export and import ---
    path("", include("cooperation.home.urls")),
    path("", include("cooperation.grid.urls")),
    path("", include("cooperation.relay.urls")),
]

urlpatterns = [
    path("", include((cooperation_patterns, "cooperation"))),
    path("accounts/", include("offices.urls")),
    path("i18n/", include("django.conf.urls.i18n")),
    path("admin/", admin.site.urls),
]
