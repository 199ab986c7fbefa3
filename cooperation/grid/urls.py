from django.urls import path

from cooperation.grid import views

urlpatterns = [
    path("progress/grid/", views.ProgressGridView.as_view(), name="progress_grid"),
]
