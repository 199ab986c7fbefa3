from django.urls import path

from cooperation.relay import views

urlpatterns = [
    path("prefectures/<str:code>/relay/", views.RelayRecordCreateView.as_view(), name="relay_record_create"),
]
