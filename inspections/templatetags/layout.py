"""Template helpers of the page layout: the role's menu, URLs of pages that may not exist yet."""

from django import template

from inspections.todo import nav_items as _nav_items
from inspections.todo import safe_reverse

register = template.Library()


@register.simple_tag(takes_context=True)
def nav_items(context):
    """``{% nav_items as items %}``: the signed-in user's menu, the current page marked active."""
    request = context.get("request")
    if request is None:
        return []
    return _nav_items(request.user, request.path)


@register.simple_tag
def try_url(name, *args, **query):
    """``{% try_url 'inspections:ticket_detail' pk as href %}``: the URL, or "" if the page is not there."""
    return safe_reverse(name, args=args or None, query=query or None)


@register.filter
def percent(value, digits=2):
    """A ratio (0–1) as a percentage with ``digits`` decimals; "—" when there is none."""
    if value is None or value == "":
        return "—"
    return f"{float(value) * 100:.{int(digits)}f}%"
