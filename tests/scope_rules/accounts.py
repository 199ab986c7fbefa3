from tests.scope_rules import Rule, statuses

RULES = [
    Rule(name="password_change", get=statuses(200)),
    Rule(name="password_change_done", get=statuses(200)),
]
