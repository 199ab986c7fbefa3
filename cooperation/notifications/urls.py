from django.urls import path

from cooperation.notifications import views

urlpatterns = [
    path("notifications/", views.NotificationListView.as_view(), name="notification_list"),
    path("notifications/<int:pk>/", views.NotificationOpenView.as_view(), name="notification_open"),
    path("notifications/<int:pk>/read/", views.NotificationReadView.as_view(), name="notification_read"),
    path("notifications/read-all/", views.NotificationReadAllView.as_view(), name="notification_read_all"),
    path("notifications/settings/", views.NotificationPreferenceView.as_view(), name="notification_preferences"),
    path("notifications/mail/", views.OutgoingMailListView.as_view(), name="outgoingmail_list"),
    path("notifications/mail/<int:pk>/retry/", views.OutgoingMailRetryView.as_view(), name="outgoingmail_retry"),
]
