"""The rules of the case workflow's actions (tickets, hazards, inspections), registered with the
one policy (accounts.policy) when the app is ready.

Each rule is read by the service that does the action (``require`` on the locked row), by the
page that offers it, by the API and by the admin: change who may do something here, nowhere else.
"""

from django.utils.translation import gettext_lazy as _

from accounts.choices import Role
from accounts.policy import FIELD_ROLES, PARTY_ROLES, STAFF_ROLES, Action, Rule, register, status_in
from cases.choices import (
    OPEN_HAZARD_STATUSES,
    OPEN_TICKET_STATUSES,
    EscalationLevel,
    ExtensionStatus,
    HazardStatus,
    ResponsibleKind,
)
from cases.choices import TicketStatus as T
from catalogue.choices import Severity
from core.errors import NotPermitted, TransitionNotAllowed
from register.models import Parcel

TICKET = ("cases.Ticket",)
HAZARD = ("cases.Hazard",)
UNIT = ("register.Enterprise", "register.Parcel")

# A ticket's workflow actions by the name the page's forms and the API's routes both give them.
TICKET_ACTIONS = {
    "assign": Action.TICKET_ASSIGN,
    "submit": Action.TICKET_SUBMIT,
    "submit_on_behalf": Action.TICKET_SUBMIT_ON_BEHALF,
    "verify": Action.TICKET_VERIFY,
    "escalate": Action.TICKET_ESCALATE,
    "reopen": Action.TICKET_REOPEN,
    "comment": Action.TICKET_COMMENT,
    "extension": Action.TICKET_REQUEST_EXTENSION,
    "decide_extension": Action.TICKET_DECIDE_EXTENSION,
    "reassign": Action.TICKET_REASSIGN,
    "change_party": Action.TICKET_REASSIGN,
    "closeout": Action.TICKET_APPROVE_CLOSEOUT,
}


def is_party(user, ticket):
    """The responsible party's own users: the enterprise's users, or the landlord of the parcel."""
    if ticket.responsible_kind == ResponsibleKind.ENTERPRISE:
        return user.role == Role.ENTERPRISE and user.enterprises.filter(pk=ticket.enterprise_id).exists()
    if user.role != Role.LANDLORD or ticket.parcel_id is None:
        return False
    return Parcel.objects.visible_to(user).filter(pk=ticket.parcel_id).exists()


def _party(user, ticket):
    if is_party(user, ticket):
        return None
    return NotPermitted(str(_("只有整改责任方可以提交整改材料。")), code="not_party")


def _grid_inspector(user, ticket):
    """An inspector verifies the tickets of their own grids (a manager those of their zones)."""
    if user.role == Role.INSPECTOR and ticket.grid_id not in user.scope_grid_ids:
        return NotPermitted(str(_("只有本网格的网格员或交办人员可以验收。")), code="not_grid_inspector")
    return None


def _grid_staff(user, ticket):
    """代为提交: an inspector records the fixes of their own grids (a manager those of their zones)."""
    if user.role == Role.INSPECTOR and ticket.grid_id not in user.scope_grid_ids:
        return NotPermitted(str(_("只有本网格的网格员或交办人员可以代为提交整改。")), code="not_grid_inspector")
    return None


def _below_listed(user, ticket):
    if ticket.escalation_level >= EscalationLevel.LISTED:
        return TransitionNotAllowed(str(_("该整改单已是挂牌督办，不能再升级。")), code="already_listed")
    return None


def _not_reopened(user, ticket):
    if ticket.reopened_as.exists():
        return TransitionNotAllowed(str(_("该整改单已复查重开过，请处理重开后的整改单。")), code="already_reopened")
    return None


def _party_or_grid_staff(user, ticket):
    """延期申请: the responsible party, or the grid's inspector / the zone's manager on its behalf."""
    if user.role in PARTY_ROLES:
        return _party(user, ticket)
    return _grid_staff(user, ticket)


def has_pending_extension(ticket):
    return ticket.extension_requests.filter(status=ExtensionStatus.PENDING).exists()


def _no_pending_extension(user, ticket):
    if has_pending_extension(ticket):
        return TransitionNotAllowed(str(_("该整改单已有待审批的延期申请。")), code="extension_pending")
    return None


def _pending_extension(user, ticket):
    if not has_pending_extension(ticket):
        return TransitionNotAllowed(str(_("该整改单没有待审批的延期申请。")), code="no_pending_extension")
    return None


def _not_the_verifier(user, ticket):
    """销号审批 is a second pair of eyes: the manager who verified the fix does not approve its close-out."""
    if ticket.verified_by_id is not None and ticket.verified_by_id == user.pk:
        return NotPermitted(
            str(_("验收人不能审批同一整改单的销号，请由本区块其他交办人员审批。")), code="same_as_verifier"
        )
    return None


def _major_needs_manager(user, hazard):
    """An inspector alone does not close a major hazard as not real: only a manager of the zone may."""
    if user.role == Role.INSPECTOR and hazard.severity == Severity.MAJOR:
        return NotPermitted(str(_("重大隐患核实不属实须由交办人员处理。")), code="major_needs_manager")
    return None


def _reporter(user, hazard):
    """Office staff add photos to any hazard they see; a party only to the hazards it reported."""
    if user.role in PARTY_ROLES and hazard.reporter_id != user.pk:
        return NotPermitted(str(_("只有发现人、网格员或交办人员可以为隐患添加照片。")), code="not_reporter")
    return None


register(
    # --- tickets
    Rule(
        Action.TICKET_CREATE,
        roles=(Role.MANAGER,),
        refusal=_("只有交办人员可以汇总隐患。"),
        subjects=HAZARD,
        when=(
            status_in(
                HazardStatus.REPORTED,
                message=_("隐患 %(number)s 当前状态为“%(status)s”，不能汇总（可能已被他人处理）。"),
            ),
        ),
    ),
    Rule(
        Action.TICKET_ASSIGN,
        roles=(Role.MANAGER,),
        refusal=_("只有交办人员可以交办整改单。"),
        subjects=TICKET,
        when=(status_in(T.PENDING),),
    ),
    Rule(
        Action.TICKET_SUBMIT,
        roles=PARTY_ROLES,
        refusal=_("只有整改责任方可以提交整改材料。"),
        subjects=TICKET,
        who=(_party,),
        when=(status_in(T.ASSIGNED),),
    ),
    Rule(
        Action.TICKET_SUBMIT_ON_BEHALF,
        roles=(Role.INSPECTOR, Role.MANAGER),
        refusal=_("只有本网格的网格员或交办人员可以代责任方提交整改。"),
        subjects=TICKET,
        who=(_grid_staff,),
        when=(status_in(T.ASSIGNED),),
    ),
    Rule(
        Action.TICKET_VERIFY,
        roles=(Role.INSPECTOR, Role.MANAGER),
        refusal=_("只有本网格的网格员或交办人员可以验收。"),
        subjects=TICKET,
        who=(_grid_inspector,),
        when=(status_in(T.SUBMITTED),),
    ),
    Rule(
        Action.TICKET_ESCALATE,
        roles=(Role.MANAGER, Role.LEADER),
        refusal=_("只有交办人员或领导可以督办。"),
        subjects=TICKET,
        when=(status_in(*OPEN_TICKET_STATUSES), _below_listed),
    ),
    Rule(
        Action.TICKET_COMMENT,
        roles=(*STAFF_ROLES, *PARTY_ROLES),
        refusal=_("您的角色不能在整改单上添加备注。"),
        subjects=TICKET,
    ),
    Rule(
        Action.TICKET_COMMENT_INTERNAL,
        roles=STAFF_ROLES,
        refusal=_("只有网格员、交办人员和领导可以添加内部备注。"),
        subjects=TICKET,
    ),
    Rule(
        Action.TICKET_REOPEN,
        roles=(Role.MANAGER,),
        refusal=_("只有交办人员可以复查重开整改单。"),
        subjects=TICKET,
        when=(status_in(T.CLOSED), _not_reopened),
    ),
    Rule(
        Action.TICKET_REQUEST_EXTENSION,
        roles=(*PARTY_ROLES, Role.INSPECTOR, Role.MANAGER),
        refusal=_("只有整改责任方（或本网格的网格员、交办人员代为）可以申请延期。"),
        subjects=TICKET,
        who=(_party_or_grid_staff,),
        when=(status_in(T.ASSIGNED), _no_pending_extension),
    ),
    Rule(
        Action.TICKET_DECIDE_EXTENSION,
        roles=(Role.MANAGER,),
        refusal=_("只有交办人员可以审批延期申请。"),
        subjects=TICKET,
        when=(status_in(*OPEN_TICKET_STATUSES), _pending_extension),
    ),
    Rule(
        Action.TICKET_REASSIGN,
        roles=(Role.MANAGER,),
        refusal=_("只有交办人员可以调整交办。"),
        subjects=TICKET,
        when=(status_in(T.ASSIGNED),),
    ),
    Rule(
        Action.TICKET_APPROVE_CLOSEOUT,
        roles=(Role.MANAGER,),
        refusal=_("只有交办人员可以审批销号。"),
        subjects=TICKET,
        when=(status_in(T.CLOSEOUT_PENDING), _not_the_verifier),
    ),
    # --- hazards and inspections
    Rule(
        Action.HAZARD_REPORT,
        roles=FIELD_ROLES,
        refusal=_("您的角色不能上报隐患。"),
        subjects=UNIT,
    ),
    Rule(
        Action.HAZARD_MARK_DUPLICATE,
        roles=(Role.MANAGER, Role.INSPECTOR),
        refusal=_("只有交办人员或网格员可以处理隐患上报。"),
        subjects=HAZARD,
        when=(status_in(HazardStatus.REPORTED),),
    ),
    Rule(
        Action.HAZARD_MARK_INVALID,
        roles=(Role.MANAGER, Role.INSPECTOR),
        refusal=_("只有交办人员或网格员可以处理隐患上报。"),
        subjects=HAZARD,
        who=(_major_needs_manager,),
        when=(status_in(HazardStatus.REPORTED),),
    ),
    Rule(
        Action.HAZARD_RESTORE,
        roles=(Role.MANAGER,),
        refusal=_("只有交办人员可以撤销重复或不属实的标记。"),
        subjects=HAZARD,
        when=(
            status_in(
                HazardStatus.DUPLICATE,
                HazardStatus.INVALID,
                message=_("当前状态为“%(status)s”，只有标为重复或不属实的隐患可以恢复。"),
            ),
        ),
    ),
    Rule(
        Action.HAZARD_ADD_PHOTOS,
        roles=FIELD_ROLES,
        refusal=_("只有发现人、网格员或交办人员可以为隐患添加照片。"),
        subjects=HAZARD,
        who=(_reporter,),
        when=(status_in(*OPEN_HAZARD_STATUSES, message=_("当前状态为“%(status)s”，不能再添加照片。")),),
    ),
    Rule(
        Action.INSPECTION_RECORD,
        roles=FIELD_ROLES,
        refusal=_("您的角色不能录入排查记录。"),
        subjects=UNIT,
    ),
    Rule(
        Action.CHECKIN_RECORD,
        roles=(Role.INSPECTOR, Role.MANAGER),
        refusal=_("只有网格员和交办/安监人员可以巡更打卡。"),
        subjects=UNIT,
    ),
)
