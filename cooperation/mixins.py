"""What every cooperation view shares: sign-in, scope from one place, and the write check."""

from django.contrib.auth.mixins import LoginRequiredMixin
from django.core.exceptions import PermissionDenied


class ScopedMixin(LoginRequiredMixin):
    """``get_queryset()`` returns only what the user may see, so anything else is a 404.

    Subclasses set ``model`` (whose default manager has ``visible_to``) or
    override ``scoped_queryset()``.
    """

    def scoped_queryset(self):
        return self.model._default_manager.visible_to(self.request.user)

    def get_queryset(self):
        return self.scoped_queryset()


def require(condition: bool, message: str = "") -> None:
    """Raise 403 unless ``condition``: the second, explicit check after scope (read-only users, wrong role)."""
    if not condition:
        raise PermissionDenied(message)
