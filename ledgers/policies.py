"""The rule of recording in the campaign ledgers, registered with the one policy (accounts.policy)."""

from django.utils.translation import gettext_lazy as _

from accounts.choices import Role
from accounts.policy import Action, Rule, register

register(
    Rule(
        Action.LEDGER_RECORD,
        roles=(Role.ENTERPRISE, Role.LANDLORD, Role.INSPECTOR, Role.MANAGER),
        refusal=_("您的角色不能录入该台账。"),
        subjects=("register.Enterprise", "register.Parcel"),
    ),
)
