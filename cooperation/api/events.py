"""The API's events: creating and revoking a token are written to the audit trail."""

from django.utils.translation import gettext_lazy as _

from offices.events import register

API_TOKEN_CREATED = register("api_token_created", _("API token created"))
API_TOKEN_REVOKED = register("api_token_revoked", _("API token revoked"))
