"""Imported from ``CooperationConfig.ready``: connects the subscribers and registers the admin pages."""

from cooperation.notifications import admin, subscribers  # noqa: F401
