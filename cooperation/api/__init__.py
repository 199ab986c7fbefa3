"""The read-only REST API under /api/v1/ (Django REST framework, OpenAPI 3 by drf-spectacular).

Every resource is read through the same ``visible_to(user)`` querysets as the
site, so a row outside the user's scope is a 404 and never counted. Clients
authenticate with personal tokens (``models.ApiToken``: stored hashed, shown
once, revocable on the account page); a signed-in browser session also works,
for the Swagger UI. Other domain packages add their resources through
``cooperation.api.routes.register``.
"""
