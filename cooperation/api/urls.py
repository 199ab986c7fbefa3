"""/api/v1/ (the resources, the OpenAPI schema, its Swagger UI) and the token pages of the account."""

from django.urls import include, path
from drf_spectacular.views import SpectacularAPIView, SpectacularSwaggerSplitView

from cooperation.api import pages
from cooperation.api.routes import router

app_name = "api"

urlpatterns = [
    path("api/v1/schema/", SpectacularAPIView.as_view(api_version="v1", throttle_classes=[]), name="schema"),
    path("api/v1/docs/", SpectacularSwaggerSplitView.as_view(url_name="api:schema", throttle_classes=[]), name="docs"),
    path("api/v1/", include(router.urls)),
    path("account/api-tokens/", pages.ApiTokenListView.as_view(), name="apitoken_list"),
    path("account/api-tokens/<int:pk>/revoke/", pages.ApiTokenRevokeView.as_view(), name="apitoken_revoke"),
]
