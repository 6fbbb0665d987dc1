"""The rule of recording in the campaign ledgers, registered with the one policy (accounts.policy)."""

from django.utils.translation import gettext_lazy as _

from accounts.choices import Role
from accounts.policy import Action, Rule, register
from core.errors import NotPermitted


def _recorder_or_office(user, drill):
    """A drill is changed by whoever recorded it, or by an inspector or manager whose scope it is in."""
    if drill.recorded_by_id == user.pk or user.role in (Role.INSPECTOR, Role.MANAGER):
        return None
    return NotPermitted(str(_("只有录入人和安监人员可以修改该记录。")), code="not_recorder")


register(
    Rule(
        Action.LEDGER_RECORD,
        roles=(Role.ENTERPRISE, Role.LANDLORD, Role.INSPECTOR, Role.MANAGER),
        refusal=_("您的角色不能录入该台账。"),
        subjects=("register.Enterprise", "register.Parcel"),
    ),
    Rule(
        Action.DRILL_EDIT,
        roles=(Role.ENTERPRISE, Role.LANDLORD, Role.INSPECTOR, Role.MANAGER),
        refusal=_("您的角色不能修改培训演练记录。"),
        subjects=("ledgers.Drill",),
        who=(_recorder_or_office,),
    ),
)
