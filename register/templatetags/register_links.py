"""What other apps' register lists show of party accounts: the 开通单位账号 link (for who may open them) and
which units of the page have an account."""

from django import template

from accounts.policy import Action, allows
from register.party_accounts import with_accounts

register = template.Library()


@register.simple_tag
def may_open_party_accounts(user):
    return allows(user, Action.PARTY_ACCOUNT_CREATE)


@register.simple_tag
def units_with_account(units):
    """The ids of those ``units`` (one page of enterprises or parcels) whose party has an account: one query."""
    units = list(units)
    if not units:
        return set()
    model = type(units[0])
    rows = with_accounts(model.objects.filter(pk__in=[u.pk for u in units])).filter(has_account=True)
    return set(rows.values_list("pk", flat=True))
