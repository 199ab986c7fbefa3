"""Password reset and unlock from an account's page (issue 17): POST only; headquarters and the bureau of
the account's region act (302), a bureau of another region gets a 404, everyone else a 403."""

from tests.scope_rules import Rule, statuses

POST_ONLY = statuses(405)
HOKKAIDO_USER_DONE = statuses(403, hq=302, bureau_hokkaido=302, bureau_chugoku_shikoku=404)


def _hakodate_staff(world):
    return {"pk": world.users["center_hakodate"].pk}


def _hakodate_staff_with_address(world):
    """A reset link goes to an address: the account has one."""
    user = world.users["center_hakodate"]
    if not user.email:
        user.email = "center-hakodate@example.jp"
        user.save(update_fields=["email"])
    return _hakodate_staff(world)


def _locked_hakodate_staff(world):
    """center-hakodate after as many wrong passwords as the limit allows: locked out, so unlocking changes rows."""
    from django.conf import settings

    from offices.services import login_attempt_begin, login_attempt_failed

    username = world.users["center_hakodate"].username
    for _attempt in range(settings.LOGIN_FAILURE_LIMIT):
        if login_attempt_begin(username=username) is None:
            login_attempt_failed(username=username)
    return _hakodate_staff(world)


RULES = [
    Rule(
        name="offices:user_password_reset",
        get=POST_ONLY,
        kwargs=_hakodate_staff_with_address,
        post=HOKKAIDO_USER_DONE,
        writes=("offices.AuditEvent",),
    ),
    Rule(
        name="offices:user_unlock",
        get=POST_ONLY,
        kwargs=_locked_hakodate_staff,
        post=HOKKAIDO_USER_DONE,
        writes=("offices.SignInCounter", "offices.AuditEvent"),
    ),
]
