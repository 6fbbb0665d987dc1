"""The rules of the close-out actions (cross-check request and result), registered with the one
policy (accounts.policy) when the app is ready."""

from django.utils.translation import gettext_lazy as _

from accounts.choices import Role
from accounts.policy import Action, Rule, register
from cases.models import Hazard
from closeout.choices import CrossCheckStatus
from core.errors import NotPermitted, TransitionNotAllowed
from register.choices import CloseoutState


def _red(user, parcel):
    if parcel.closeout_state == CloseoutState.RED:
        return None
    return TransitionNotAllowed(
        str(_("宗地当前为“%(state)s”，只有红色宗地可以申请交叉检查销号。"))
        % {"state": parcel.get_closeout_state_display()},
        code="parcel_not_red",
    )


def _all_rectified(user, parcel):
    if not Hazard.objects.open().filter(parcel=parcel).exists():
        return None
    return TransitionNotAllowed(
        str(_("宗地仍有未整改的隐患，全部整改后才能申请交叉检查。")), code="open_hazards_remain"
    )


def _assigned(user, crosscheck):
    if crosscheck.inspector_id == user.pk:
        return None
    return NotPermitted(str(_("只有被指派的交叉检查人可以录入结果。")), code="not_assigned_inspector")


def _other_grid(user, crosscheck):
    if crosscheck.parcel.grid_id not in user.scope_grid_ids:
        return None
    return NotPermitted(str(_("交叉检查须由其他网格的网格员进行。")), code="same_grid")


def _requested(user, crosscheck):
    if crosscheck.status == CrossCheckStatus.REQUESTED:
        return None
    return TransitionNotAllowed(str(_("该交叉检查已完成，不能重复录入。")), code="crosscheck_done")


def _still_requested(user, crosscheck):
    if crosscheck.status == CrossCheckStatus.REQUESTED:
        return None
    return TransitionNotAllowed(
        str(_("该交叉检查已“%(status)s”，不能撤销。")) % {"status": crosscheck.get_status_display()},
        code="crosscheck_not_open",
    )


register(
    Rule(
        Action.PARCEL_REQUEST_CROSSCHECK,
        roles=(Role.MANAGER,),
        refusal=_("只有交办人员可以申请交叉检查。"),
        subjects=("register.Parcel",),
        when=(_red, _all_rectified),
    ),
    Rule(
        Action.CROSSCHECK_RECORD,
        roles=(Role.INSPECTOR,),
        refusal=_("只有被指派的网格员可以录入交叉检查结果。"),
        subjects=("closeout.CrossCheck",),
        who=(_assigned, _other_grid),
        when=(_requested,),
    ),
    Rule(
        Action.CROSSCHECK_CANCEL,
        roles=(Role.MANAGER,),
        refusal=_("只有交办人员可以撤销交叉检查申请。"),
        subjects=("closeout.CrossCheck",),
        when=(_still_requested,),
    ),
)
