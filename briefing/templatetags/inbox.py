"""The header's message-centre link with the unread count, added to the layout library (the one
base.html loads) as home's navigation does."""

from accounts.choices import Role
from briefing.models import InboxMessage
from core.templatetags.layout import register


@register.inclusion_tag("briefing/_inbox_badge.html", takes_context=True)
def inbox_badge(context):
    """``{% inbox_badge %}``: only the parties' accounts receive messages, so only they pay the count's query."""
    request = context.get("request")
    user = getattr(request, "user", None)
    if user is None or not user.is_authenticated:
        return {"unread": 0}
    unread = InboxMessage.objects.of(user).unread().count() if user.role in (Role.ENTERPRISE, Role.LANDLORD) else 0
    return {"unread": unread}
