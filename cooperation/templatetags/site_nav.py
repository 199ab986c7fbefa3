"""The global header's navigation, and form helpers of the design system (必須/任意, error summary)."""

from django import template

from cooperation.home.selectors import nav_items

register = template.Library()


@register.simple_tag(takes_context=True)
def site_nav(context):
    """The places the signed-in user can go, the current one marked (no query: roles are already loaded)."""
    request = context.get("request")
    user = context.get("user")
    if request is None or user is None:
        return []
    return nav_items(user, request.path)


@register.filter
def requirement(field) -> str:
    """ "required", "optional", or "" when every field of the form is optional (a filter form needs no marks)."""
    if field.widget_type == "checkbox":
        return ""
    if field.field.required:
        return "required"
    if any(other.required for other in field.form.fields.values() if not other.widget.is_hidden):
        return "optional"
    return ""


@register.simple_tag
def report_conditions(form, filters) -> list[tuple[str, str]]:
    """Each filter that shaped a report, as (label, the value's label): what the printed header repeats."""
    conditions = []
    for name, value in (filters or {}).items():
        field = form.fields.get(name)
        if field is None:
            continue
        label = dict(getattr(field, "choices", ())).get(value, value)
        conditions.append((str(field.label), str(label)))
    return conditions
