"""The lists: every signed-in role gets its own scope's rows (never a 404), and so do the downloads.

The rows themselves are checked per role in tests/cooperation/test_lists.py;
here each rule touches the world's activities and referrals first, so every
role's page and download is rendered with rows in and out of its scope.
"""

from tests.scope_rules import Rule, statuses


def _with_rows(world):
    """Create the world's activities and referrals (and the stage changes they cause); the lists take no kwargs."""
    for name in ("activity_sapporo", "activity_hakodate", "referral_otaru", "referral_hakodate"):
        getattr(world, name)
    return {}


LISTS = ["municipality_list", "activity_list", "referral_list", "progresschange_list"]

RULES = [Rule(name="cooperation:" + name, get=statuses(200), kwargs=_with_rows) for name in LISTS]
RULES += [
    Rule(
        name="cooperation:" + name,
        get=statuses(200),
        kwargs=_with_rows,
        query="_export=" + export_format,
        label=f"{name}-{export_format}",
    )
    for name in LISTS
    for export_format in ("csv", "xlsx")
]
