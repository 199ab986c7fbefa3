"""The ministry's yearly report: fiscal-year close, the national report per fiscal year, trends.

Importing the package registers its event codes (``events``), as the models
are loaded with the app.
"""

from cooperation.yearly import events  # noqa: F401
