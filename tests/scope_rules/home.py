from tests.scope_rules import Rule, statuses

RULES = [
    Rule(name="cooperation:home", get=statuses(200)),
]
