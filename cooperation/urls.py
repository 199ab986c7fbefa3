"""Site URLs: the admin, accounts and the cooperation screens.

Each area keeps its routes in its own block below; every route's scope rule
is listed in tests/scope_rules/ (tests/test_scope_matrix.py fails the build for a route without one).
"""

from django.contrib import admin
from django.urls import include, path

from cooperation.activities import correction_views as activity_correction_views
from cooperation.activities import views as activity_views
from cooperation.desk import views as desk_views
from cooperation.home import views as home_views
from cooperation.lists import views as list_views
from cooperation.progress import views as municipality_views
from cooperation.referrals import two_way_views as two_way_referral_views
from cooperation.reporting import prefecture as report_views
from cooperation.survey import views as survey_views

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
    path("activities/<int:pk>/", activity_correction_views.ActivityDetailView.as_view(), name="activity_detail"),
    path(
        "activities/<int:pk>/follow-up-done/",
        activity_views.ActivityFollowUpDoneView.as_view(),
        name="activity_follow_up_done",
    ),
    path("attachments/<int:pk>/", activity_views.AttachmentDownloadView.as_view(), name="attachment_download"),
    path("referrals/new/", two_way_referral_views.ReferralCreateView.as_view(), name="referral_create"),
    path("referrals/<int:pk>/", two_way_referral_views.ReferralDetailView.as_view(), name="referral_detail"),
    path(
        "referrals/<int:pk>/transition/",
        two_way_referral_views.ReferralTransitionView.as_view(),
        name="referral_transition",
    ),
    # --- end local government page, center desk, activities, referrals ---
    # --- corrections and two-way referrals (issue 16) ---
    path("", include("cooperation.referrals.urls")),
    path("", include("cooperation.activities.urls")),
    path("", include("cooperation.progress.urls")),
    # --- end corrections and two-way referrals ---
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
    path("", include("cooperation.sessions.urls")),
    path("", include("cooperation.disasters.urls")),
    path("commissioners/", include("cooperation.commissioners.urls")),
    path("", include("cooperation.yearly.urls")),  # yearly report and fiscal-year close (issue 15)
    path("", include("cooperation.home.urls")),
    path("", include("cooperation.grid.urls")),
    path("", include("cooperation.relay.urls")),
]

cooperation_patterns += [path("", include("cooperation.notifications.urls"))]  # notifications (issue 12)

urlpatterns = [
    path("", include((cooperation_patterns, "cooperation"))),
    path("", include("cooperation.api.urls")),
    path("accounts/", include("offices.urls")),
    path("i18n/", include("django.conf.urls.i18n")),
    path("admin/", admin.site.urls),
]
