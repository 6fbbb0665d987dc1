"""Who may do what: the one place that answers "may this user do this action on this object, and if not, why".

Every action of the workflow has a name (``Action``) and exactly one ``Rule``: the roles that may
do it and, given the object, the conditions on the actor (in scope, party of this ticket,
inspector of this grid, the cross-checker sent) and on the object's state (its status). A refusal
is the WorkflowError the action answers with, carrying a stable code: NotPermitted (403) for role
and scope, TransitionNotAllowed (409) for the state.

- services call ``require(actor, action)`` before they lock, and ``require(actor, action, row)``
  on the locked row, so role, scope and status are checked again under the lock;
- pages ask ``decisions(user, obj)`` (or ``permitted_actions``) which actions to offer, and answer
  a POST of a refused one with its error before reading any input;
- the API's permission class (accounts.api.permissions) and the admin actions ask ``check``.

So a page offers an action exactly when the service accepts it (tests/accounts/test_policy.py).

Layering: accounts sits below the apps whose objects the rules speak of and imports none of
them. It holds the engine, the names of the actions, the role predicates and the rules of its
own actions; each higher app registers the rules of its actions, comparing statuses with its own
choices (``cases/policies.py``, ``closeout/policies.py``, imported by their ``AppConfig.ready``).

Decided: "admin" is an active superuser and nothing else; staff status only opens the Django
admin. A user without a role (and not a superuser) may do nothing, nor may an inactive one.
"""

from dataclasses import dataclass
from enum import StrEnum

from django.core.exceptions import ImproperlyConfigured
from django.utils.translation import gettext_lazy as _

from accounts.choices import Role
from core.errors import NotPermitted, TransitionNotAllowed, WorkflowError

STAFF_ROLES = (Role.INSPECTOR, Role.MANAGER, Role.LEADER)  # the office (a department answers requests only)
PARTY_ROLES = (Role.ENTERPRISE, Role.LANDLORD)
FIELD_ROLES = (Role.INSPECTOR, Role.MANAGER, Role.ENTERPRISE, Role.LANDLORD)  # record visits, report hazards

WRONG_STATUS = _("当前状态为“%(status)s”，不能执行此操作（可能已被他人处理，请刷新）。")


class Action(StrEnum):
    """Every action a user can take in the workflow. The object each applies to is in brackets."""

    TICKET_CREATE = "ticket.create"  # aggregate reported hazards into tickets (each hazard)
    TICKET_ASSIGN = "ticket.assign"  # 交办 (ticket)
    TICKET_SUBMIT = "ticket.submit"  # the party submits evidence (ticket)
    TICKET_SUBMIT_ON_BEHALF = "ticket.submit_on_behalf"  # 代为提交整改: staff record the party's fix (ticket)
    TICKET_VERIFY = "ticket.verify"  # 验收, pass or reject (ticket)
    TICKET_ESCALATE = "ticket.escalate"  # 督办 (ticket)
    TICKET_COMMENT = "ticket.comment"  # a note on the timeline (ticket)
    TICKET_COMMENT_INTERNAL = "ticket.comment_internal"  # a note the party does not see (ticket)
    TICKET_REOPEN = "ticket.reopen"  # 事后跟踪: reopen a closed ticket as a new one (ticket)
    TICKET_REQUEST_EXTENSION = "ticket.request_extension"  # 延期申请, by the party or staff for it (ticket)
    TICKET_DECIDE_EXTENSION = "ticket.decide_extension"  # approve or refuse the pending extension (ticket)
    TICKET_REASSIGN = "ticket.reassign"  # change deadline, assignee or responsible party of an assigned ticket
    TICKET_APPROVE_CLOSEOUT = "ticket.approve_closeout"  # 销号审批 of a major hazard's ticket (ticket)
    HAZARD_REPORT = "hazard.report"  # (the unit: enterprise or parcel)
    HAZARD_MARK_DUPLICATE = "hazard.mark_duplicate"  # (hazard)
    HAZARD_MARK_INVALID = "hazard.mark_invalid"  # (hazard)
    HAZARD_RESTORE = "hazard.restore"  # undo a wrong duplicate / invalid: back to reported (hazard)
    HAZARD_ADD_PHOTOS = "hazard.add_photos"  # (hazard)
    INSPECTION_RECORD = "inspection.record"  # one visit, or the owner's self-check (the unit)
    PARCEL_REQUEST_CROSSCHECK = "parcel.request_crosscheck"  # (parcel)
    CROSSCHECK_RECORD = "crosscheck.record"  # the cross-checker's result (cross-check)
    CROSSCHECK_CANCEL = "crosscheck.cancel"  # withdraw a cross-check request still open (cross-check)
    REGISTER_IMPORT = "register.import"  # load parcels and enterprises from a spreadsheet (none)
    PARTY_ACCOUNT_CREATE = "account.create_party"  # open accounts for enterprises and landlords (the unit)
    CHECKIN_RECORD = "checkin.record"  # 巡更打卡 at a unit's plate (the unit)
    RISK_POINT_DECLARE = "risk.declare"  # add a risk point to a unit (the unit)
    RISK_POINT_EDIT = "risk.edit"  # change or retire a risk point's entry (risk point)
    RISK_POINT_REVIEW = "risk.review"  # 审核: confirm the grade or change it with a reason (risk point)
    PATROL_PLAN_CHANGE = "risk.patrol_plan"  # set the visit cycle per risk level (none)
    SERVICE_REQUEST_RAISE = "service.raise"  # an enterprise's service request, or staff for it (enterprise)
    SERVICE_REQUEST_DISPATCH = "service.dispatch"  # 分类派发 to a department with a time limit (request)
    SERVICE_REQUEST_ANSWER = "service.answer"  # the department's answer (request)
    SERVICE_REQUEST_CONFIRM = "service.confirm"  # 事后跟踪: the enterprise confirms and rates, or returns it (request)
    SERVICE_REQUEST_REOPEN = "service.reopen"  # a closed request opened again (request)
    SERVICE_REQUEST_ESCALATE = "service.escalate"  # 督办 by hand (request)
    LEDGER_RECORD = "ledger.record"  # a drill, letter or welding device in the campaign ledgers (the unit, or none)
    DRILL_EDIT = "ledger.drill_edit"  # change a recorded drill: its recorder, or the office (drill)


# --- role predicates --------------------------------------------------------------------------


def is_active_user(user):
    return bool(user is not None and user.is_authenticated and user.is_active)


def is_admin(user):
    """An office administrator: an active superuser. Staff status alone only opens the Django admin."""
    return is_active_user(user) and user.is_superuser


def has_role(user, roles):
    """An active user with one of ``roles``; admins have every role."""
    return is_active_user(user) and (user.is_superuser or user.role in roles)


def is_staff_user(user):
    """Office staff (inspector, manager, leader, admin): they see internal entries."""
    return has_role(user, STAFF_ROLES)


def is_office_admin(user):
    """The office's administrators: an active superuser, or a manager marked as responsible for the whole area."""
    return is_admin(user) or (has_role(user, (Role.MANAGER,)) and user.whole_area)


# --- decisions and rules ----------------------------------------------------------------------


@dataclass(frozen=True)
class Decision:
    """The answer for one user, action and object: allowed, or the error the action answers with."""

    action: str
    error: WorkflowError | None = None

    @property
    def allowed(self):
        return self.error is None

    def __bool__(self):
        return self.allowed

    @property
    def code(self):
        return None if self.error is None else self.error.code


@dataclass(frozen=True)
class Rule:
    """Who may do one action, and on which objects.

    ``roles``: the roles that may (an admin always may); refused with ``refusal`` (code
    ``not_permitted``). ``subjects``: the models ("app.Model") whose objects the action applies to,
    for ``decisions(user, obj)``. The conditions are callables that answer None or the error:
    ``actor(user)`` on the actor alone; ``who(user, obj)`` on the actor's relation to the object
    (after the scope check when ``scoped``); ``when(user, obj)`` on the object's state. Admins pass
    ``actor`` and ``who`` (and see everything); ``when`` holds for everyone.
    """

    action: Action
    roles: tuple
    refusal: str
    subjects: tuple = ()
    actor: tuple = ()
    who: tuple = ()
    when: tuple = ()
    scoped: bool = True


_RULES = {}


def register(*rules):
    """Add the rules of an app's actions (called from its policies module, once, in ready())."""
    for rule in rules:
        if rule.action in _RULES and _RULES[rule.action] != rule:
            raise ImproperlyConfigured(f"two rules for the action {rule.action}")
        _RULES[rule.action] = rule


def rule_for(action):
    try:
        return _RULES[Action(action)]
    except KeyError:
        raise ImproperlyConfigured(
            f"no rule for the action {action}: is its app's policies module imported in AppConfig.ready()?"
        ) from None


def rules():
    """Every registered rule, by action."""
    return dict(_RULES)


def _gate(user):
    """Nobody acts unless logged in, active and given a role (or a superuser)."""
    if user is None or not user.is_authenticated:
        return NotPermitted(str(_("请先登录。")), code="login_required")
    if not user.is_active:
        return NotPermitted(str(_("该账号已停用。")), code="account_inactive")
    if not user.is_superuser and not user.role:
        return NotPermitted(str(_("您的账号尚未分配角色，不能执行此操作。")), code="no_role")
    return None


def _in_scope(user, obj):
    if type(obj).objects.visible_to(user).filter(pk=obj.pk).exists():
        return None
    return NotPermitted(str(_("该对象不在您的管辖范围内。")), code="out_of_scope")


def _first(conditions, *args):
    for condition in conditions:
        error = condition(*args)
        if error is not None:
            return error
    return None


def _decide(user, rule, obj, *, scope, state):
    error = _gate(user)
    if error is not None:
        return error
    admin = is_admin(user)
    if not admin and user.role not in rule.roles:
        return NotPermitted(str(rule.refusal), code="not_permitted")
    if not admin:
        error = _first(rule.actor, user)
        if error is not None:
            return error
    if obj is None:
        return None
    if not admin:
        error = (scope() if rule.scoped else None) or _first(rule.who, user, obj)
        if error is not None:
            return error
    return _first(rule.when, user, obj) if state else None


def check(user, action, obj=None, *, in_scope=False, state=True):
    """May ``user`` do ``action`` (on ``obj``)? A Decision: allowed, or the error to answer with.

    Without ``obj`` only the actor is judged (role and ``actor`` conditions): what a page or an
    API list asks before it has an object. ``in_scope=True`` tells that ``obj`` was looked up
    through ``visible_to(user)`` (the scope query is saved); ``state=False`` leaves the object's
    state out (the API checks it after the input, in the service).
    """
    rule = rule_for(action)
    scope = (lambda: None) if in_scope else (lambda: _in_scope(user, obj))
    return Decision(rule.action, _decide(user, rule, obj, scope=scope, state=state))


def allows(user, action, obj=None, **kwargs):
    return check(user, action, obj, **kwargs).allowed


def require(user, action, obj=None, **kwargs):
    """Raise the refusal when ``user`` may not do ``action`` (on ``obj``)."""
    error = check(user, action, obj, **kwargs).error
    if error is not None:
        raise error


def decisions(user, obj, *, in_scope=False):
    """{action: Decision} for every action that applies to ``obj``'s model (scope asked once)."""
    label = obj._meta.label
    found = {}
    scope_error = [] if not in_scope else [None]

    def scope():
        if not scope_error:
            scope_error.append(_in_scope(user, obj))
        return scope_error[0]

    for action, rule in _RULES.items():
        if label in rule.subjects:
            found[action] = Decision(action, _decide(user, rule, obj, scope=scope, state=True))
    return found


def permitted_actions(user, obj, *, in_scope=False):
    """The actions ``user`` may do on ``obj`` now: what its page offers."""
    return {action for action, decision in decisions(user, obj, in_scope=in_scope).items() if decision}


# --- reusable conditions ----------------------------------------------------------------------


def status_in(*statuses, message=WRONG_STATUS, code="transition_not_allowed"):
    """A ``when`` condition: the object's ``status`` is one of ``statuses``.

    ``message`` may use ``%(status)s`` (the status's label) and ``%(number)s``.
    """

    def condition(user, obj):
        if obj.status in statuses:
            return None
        params = {"status": obj.get_status_display(), "number": getattr(obj, "number", "")}
        return TransitionNotAllowed(str(message) % params, code=code)

    return condition


# --- the rules of accounts' own actions -------------------------------------------------------


def _whole_area(user):
    """An import may create zones and grids anywhere: only managers responsible for the whole area."""
    if user.whole_area:
        return None
    return NotPermitted(str(_("导入台账仅供负责全区的交办/安监人员和系统管理员使用。")), code="not_whole_area")


register(
    Rule(
        Action.REGISTER_IMPORT,
        roles=(Role.MANAGER,),
        refusal=_("导入台账仅供负责全区的交办/安监人员和系统管理员使用。"),
        actor=(_whole_area,),
    )
)


register(
    Rule(
        Action.PARTY_ACCOUNT_CREATE,
        roles=(Role.MANAGER,),
        refusal=_("只有交办/安监人员和系统管理员可以为单位开通账号。"),
    )
)
