"""Routes of the calendar and sessions (included from cooperation/urls.py)."""

from django.urls import path

from cooperation.sessions import calendar_views, views

urlpatterns = [
    path("calendar/", calendar_views.SessionCalendarView.as_view(), name="session_calendar"),
    path("calendar/list/", calendar_views.SessionListView.as_view(), name="session_list"),
    path("calendar/print/", calendar_views.SessionListView.as_view(), {"printed": True}, name="session_print"),
    path("calendar/feeds/", calendar_views.CalendarFeedListView.as_view(), name="calendarfeed_list"),
    path("calendar/feeds/<str:token>.ics", calendar_views.CalendarFeedIcsView.as_view(), name="calendarfeed_ics"),
    path("sessions/new/", views.SessionCreateView.as_view(), name="session_create"),
    path("sessions/propose/", views.SessionProposeView.as_view(), name="session_propose"),
    path("sessions/series/new/", views.SessionSeriesCreateView.as_view(), name="sessionseries_create"),
    path("sessions/series/<int:pk>/", views.SessionSeriesDetailView.as_view(), name="sessionseries_detail"),
    path("sessions/series/<int:pk>/edit/", views.SessionSeriesUpdateView.as_view(), name="sessionseries_update"),
    path("sessions/<int:pk>/", views.SessionDetailView.as_view(), name="session_detail"),
    path("sessions/<int:pk>/edit/", views.SessionUpdateView.as_view(), name="session_update"),
    path("sessions/<int:pk>/hold/", views.SessionHoldView.as_view(), name="session_hold"),
    path("sessions/<int:pk>/<str:action>/", views.SessionTransitionView.as_view(), name="session_transition"),
]
