"""Accounts: passwords for everyone; account pages for headquarters and bureaus (403 for the rest),
with users outside a bureau's region a 404."""

from tests.scope_rules import Rule, statuses

NEW_PASSWORD = "Kitakaze-river-2026"
MANAGERS = statuses(403, hq=200, bureau_hokkaido=200, bureau_chugoku_shikoku=200)
# A user of 北海道: headquarters and the 北海道 bureau manage it; for 中国四国 it does not exist.
HOKKAIDO_USER = statuses(403, hq=200, bureau_hokkaido=200, bureau_chugoku_shikoku=404)
HOKKAIDO_USER_SAVED = statuses(403, hq=302, bureau_hokkaido=302, bureau_chugoku_shikoku=404)


def _roles_data(world, kind, initial=0, **target):
    """The role formset as the page posts it: one role, ``initial`` of them shown pre-filled."""
    data = {
        "roles-TOTAL_FORMS": "1",
        "roles-INITIAL_FORMS": str(initial),
        "roles-MIN_NUM_FORMS": "1",
        "roles-MAX_NUM_FORMS": "20",
        "roles-0-kind": kind,
    }
    data.update({f"roles-0-{field}": value for field, value in target.items()})
    return data


def _new_sapporo_staff(world):
    return {
        "username": "new-center-sapporo",
        "display_name": "札幌 新任職員",
        "email": "new@example.jp",
        "password1": NEW_PASSWORD,
        "password2": NEW_PASSWORD,
        **_roles_data(world, "center", office=world.sapporo_office.pk),
    }


def _hakodate_staff(world):
    return {"pk": world.users["center_hakodate"].pk}


def _hakodate_staff_renamed(world):
    return {
        "display_name": "函館 担当者（改）",
        "email": "hakodate@example.jp",
        **_roles_data(world, "center", initial=1, office=world.hakodate_office.pk),
    }


RULES = [
    Rule(name="password_change", get=statuses(200)),
    Rule(
        name="password_change",
        get=None,
        post=statuses(302),
        writes=("offices.User", "offices.AuditEvent"),
        post_data=lambda world: {
            "old_password": "pass-for-tests-123",
            "new_password1": NEW_PASSWORD,
            "new_password2": NEW_PASSWORD,
        },
        label="password_change-post",
    ),
    Rule(name="password_change_done", get=statuses(200)),
    Rule(name="offices:user_list", get=MANAGERS),
    Rule(name="offices:auditevent_list", get=MANAGERS),
    Rule(
        name="offices:user_create",
        get=MANAGERS,
        # 中国四国 is not offered the 札幌 center, so its form comes back with an error (200).
        post=statuses(403, hq=302, bureau_hokkaido=302, bureau_chugoku_shikoku=200),
        post_data=_new_sapporo_staff,
        writes=("offices.User", "offices.Role", "offices.AuditEvent"),
    ),
    Rule(
        name="offices:user_update",
        get=HOKKAIDO_USER,
        kwargs=_hakodate_staff,
        post=HOKKAIDO_USER_SAVED,
        post_data=_hakodate_staff_renamed,
        writes=("offices.User", "offices.AuditEvent"),
    ),
    Rule(
        name="offices:user_update",
        get=statuses(403, hq=200, bureau_hokkaido=404, bureau_chugoku_shikoku=200),
        kwargs=lambda world: {"pk": world.kagawa_town_officer.pk},
        label="user_update-kagawa-town-officer",
    ),
    Rule(
        name="offices:user_update",
        get=statuses(403, hq=200, bureau_hokkaido=404, bureau_chugoku_shikoku=404),
        kwargs=lambda world: {"pk": world.users["viewer_hq"].pk},
        label="user_update-headquarters-viewer",
    ),
    Rule(
        name="offices:user_deactivate",
        get=HOKKAIDO_USER,
        kwargs=_hakodate_staff,
        post=HOKKAIDO_USER_SAVED,
        writes=("offices.User", "offices.AuditEvent"),
    ),
]
