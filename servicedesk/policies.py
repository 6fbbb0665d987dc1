"""The rules of the service request's actions, registered with the one policy (accounts.policy)."""

from django.utils.translation import gettext_lazy as _

from accounts.choices import Role
from accounts.policy import Action, Rule, register, status_in
from servicedesk.choices import OPEN_REQUEST_STATUSES
from servicedesk.choices import ServiceRequestStatus as S

REQUEST = ("servicedesk.ServiceRequest",)

register(
    Rule(
        Action.SERVICE_REQUEST_RAISE,
        roles=(Role.ENTERPRISE, Role.INSPECTOR, Role.MANAGER),
        refusal=_("只有企业和网格员、交办人员可以提出企业服务问题。"),
        subjects=("register.Enterprise",),
    ),
    Rule(
        Action.SERVICE_REQUEST_DISPATCH,
        roles=(Role.MANAGER,),
        refusal=_("只有交办人员可以派发服务问题。"),
        subjects=REQUEST,
        when=(status_in(S.OPEN, S.DISPATCHED),),
    ),
    Rule(
        Action.SERVICE_REQUEST_ANSWER,
        roles=(Role.DEPARTMENT,),
        refusal=_("只有承办部门可以答复服务问题。"),
        subjects=REQUEST,
        when=(status_in(S.DISPATCHED),),
    ),
    Rule(
        Action.SERVICE_REQUEST_CONFIRM,
        roles=(Role.ENTERPRISE,),
        refusal=_("只有提出问题的企业可以确认办理结果。"),
        subjects=REQUEST,
        when=(status_in(S.ANSWERED),),
    ),
    Rule(
        Action.SERVICE_REQUEST_REOPEN,
        roles=(Role.ENTERPRISE, Role.MANAGER),
        refusal=_("只有企业或交办人员可以重新打开已办结的服务问题。"),
        subjects=REQUEST,
        when=(status_in(S.CLOSED),),
    ),
    Rule(
        Action.SERVICE_REQUEST_ESCALATE,
        roles=(Role.MANAGER, Role.LEADER),
        refusal=_("只有交办人员和领导可以督办。"),
        subjects=REQUEST,
        when=(status_in(*OPEN_REQUEST_STATUSES),),
    ),
)
