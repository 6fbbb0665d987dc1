from core.templatetags.layout import register
from home.todo import nav_items as _nav_items


@register.simple_tag(takes_context=True)
def nav_items(context):
    """``{% nav_items as items %}``: the signed-in user's menu, the current page marked active."""
    request = context.get("request")
    if request is None:
        return []
    return _nav_items(request.user, request.path)
