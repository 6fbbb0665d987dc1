from django.db import models
from django.utils.translation import gettext_lazy as _


class InspectionSource(models.TextChoices):
    GRID = "grid", _("网格日常排查")
    THIRD_PARTY = "third_party", _("第三方专业检查")
    CROSS_CHECK = "cross_check", _("交叉检查")
    SELF_CHECK = "self_check", _("企业自查")
    CAMPAIGN = "campaign", _("专项行动")


class InspectionResult(models.TextChoices):
    PASSED = "passed", _("未发现隐患")
    HAZARDS_FOUND = "hazards_found", _("发现隐患")


class HazardStatus(models.TextChoices):
    REPORTED = "reported", _("已上报")
    AGGREGATED = "aggregated", _("已汇总交办")
    RECTIFIED = "rectified", _("已整改")
    DUPLICATE = "duplicate", _("重复上报")
    INVALID = "invalid", _("核实不属实")


OPEN_HAZARD_STATUSES = (HazardStatus.REPORTED, HazardStatus.AGGREGATED)
COUNTED_HAZARD_STATUSES = (HazardStatus.REPORTED, HazardStatus.AGGREGATED, HazardStatus.RECTIFIED)


class TicketStatus(models.TextChoices):
    PENDING = "pending", _("汇总待交办")
    ASSIGNED = "assigned", _("整改中")
    SUBMITTED = "submitted", _("待验收")
    # A ticket with a major hazard, verified and passed: a manager of the zone approves the close-out (销号).
    CLOSEOUT_PENDING = "closeout_pending", _("待销号审批")
    CLOSED = "closed", _("已销号")


OPEN_TICKET_STATUSES = (
    TicketStatus.PENDING,
    TicketStatus.ASSIGNED,
    TicketStatus.SUBMITTED,
    TicketStatus.CLOSEOUT_PENDING,
)


class ExtensionStatus(models.TextChoices):
    """A request for a later deadline (延期申请)."""

    PENDING = "pending", _("待审批")
    APPROVED = "approved", _("已同意")
    REFUSED = "refused", _("不同意")
    LAPSED = "lapsed", _("已失效（整改单已销号）")  # still pending when the ticket closed


class ResponsibleKind(models.TextChoices):
    ENTERPRISE = "enterprise", _("企业")
    LANDLORD = "landlord", _("房东")


class EscalationLevel(models.IntegerChoices):
    NONE = 0, _("未督办")
    SUPERVISED = 1, _("督办")
    LISTED = 2, _("挂牌督办")


class PhotoKind(models.TextChoices):
    BEFORE = "before", _("整改前")
    AFTER = "after", _("整改后")
    INSPECTION = "inspection", _("检查现场")
    VERIFICATION = "verification", _("验收现场")
    OTHER = "other", _("其他")


class CheckInFlag(models.TextChoices):
    """Why a check-in (巡更打卡) does not prove presence; empty when it does."""

    NONE = "", _("位置相符")
    FAR = "far", _("距离单位过远")
    NO_POSITION = "no_position", _("未获取定位")
    NO_UNIT_LOCATION = "no_unit_location", _("单位无坐标，无法核对")
