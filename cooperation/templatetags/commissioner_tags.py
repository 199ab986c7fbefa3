"""The commissioners of a local government, for its page (templates/cooperation/municipality_detail.html)."""

from django import template

from cooperation.commissioners.selectors import municipality_commissioners

register = template.Library()


@register.inclusion_tag("cooperation/includes/municipality_commissioners.html", takes_context=True)
def municipality_commissioners_section(context, municipality):
    """Names and terms of the commissioners working in ``municipality`` that the user sees (one query)."""
    user = context["request"].user
    return {"municipality": municipality, "commissioners": municipality_commissioners(user, municipality)}
