"""The rules of risk grading's actions, registered with the one policy (accounts.policy)."""

from django.utils.translation import gettext_lazy as _

from accounts.choices import Role
from accounts.policy import Action, Rule, register

UNIT = ("register.Enterprise", "register.Parcel")
POINT = ("risk.RiskPoint",)

register(
    Rule(
        Action.RISK_POINT_DECLARE,
        roles=(Role.ENTERPRISE, Role.LANDLORD, Role.INSPECTOR, Role.MANAGER),
        refusal=_("您的角色不能申报风险点。"),
        subjects=UNIT,
    ),
    Rule(
        Action.RISK_POINT_EDIT,
        roles=(Role.ENTERPRISE, Role.LANDLORD, Role.INSPECTOR, Role.MANAGER),
        refusal=_("您的角色不能修改风险点。"),
        subjects=POINT,
    ),
    Rule(
        Action.RISK_POINT_REVIEW,
        roles=(Role.INSPECTOR, Role.MANAGER),
        refusal=_("只有网格员和交办/安监人员可以审核风险点。"),
        subjects=POINT,
    ),
    Rule(
        Action.PATROL_PLAN_CHANGE,
        roles=(Role.LEADER,),
        refusal=_("只有分管领导可以调整巡查频次。"),
        scoped=False,
    ),
)
