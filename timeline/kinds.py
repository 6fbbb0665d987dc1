"""What can happen to a case: every event kind, with the words the timeline shows for it.

The values are stored in ``Event.kind`` and covered by each event's hash, so they never change
(they keep the dotted names of the apps that first wrote them, ``inspections.*`` and
``enterprises.*``). Write ``EventKind.TICKET_ASSIGNED``, never the string; a new kind is added
here with its label (and its English in the .po file), and ``tests/timeline/test_kinds.py``
checks that every kind has a label in both languages.

The labels use the same Chinese words as the buttons ("交办"); the "timeline event" context lets
English say "Assigned" here and "Assign" on the button.
"""

from django.db import models
from django.utils.translation import pgettext_lazy


class EventKind(models.TextChoices):
    INSPECTION_RECORDED = "inspections.inspection.recorded", pgettext_lazy("timeline event", "记录排查")

    HAZARD_REPORTED = "inspections.hazard.reported", pgettext_lazy("timeline event", "上报隐患")
    HAZARD_MARKED_DUPLICATE = "inspections.hazard.marked_duplicate", pgettext_lazy("timeline event", "标为重复上报")
    HAZARD_MARKED_INVALID = "inspections.hazard.marked_invalid", pgettext_lazy("timeline event", "核实不属实")
    HAZARD_RESTORED = "inspections.hazard.restored", pgettext_lazy("timeline event", "撤销重复/不属实，恢复待处理")
    HAZARD_RECTIFIED_ON_SPOT = "inspections.hazard.rectified_on_spot", pgettext_lazy("timeline event", "当场整改")
    HAZARD_PHOTOS_ADDED = "inspections.hazard.photos_added", pgettext_lazy("timeline event", "补充照片")
    HAZARD_EDITED_IN_ADMIN = "inspections.hazard.edited_in_admin", pgettext_lazy("timeline event", "管理后台修改")

    TICKET_CREATED = "inspections.ticket.created", pgettext_lazy("timeline event", "汇总生成整改单")
    TICKET_ASSIGNED = "inspections.ticket.assigned", pgettext_lazy("timeline event", "交办")
    TICKET_SUBMITTED = "inspections.ticket.submitted", pgettext_lazy("timeline event", "提交整改")
    TICKET_CLOSED = "inspections.ticket.closed", pgettext_lazy("timeline event", "验收通过，销号")
    TICKET_REJECTED = "inspections.ticket.rejected", pgettext_lazy("timeline event", "验收不通过，退回整改")
    TICKET_ESCALATED = "inspections.ticket.escalated", pgettext_lazy("timeline event", "督办")
    TICKET_COMMENTED = "inspections.ticket.commented", pgettext_lazy("timeline event", "备注")
    TICKET_REOPENED = "inspections.ticket.reopened", pgettext_lazy("timeline event", "复查重开")
    TICKET_EDITED_IN_ADMIN = "inspections.ticket.edited_in_admin", pgettext_lazy("timeline event", "管理后台修改")
    TICKET_EXTENSION_REQUESTED = "cases.ticket.extension_requested", pgettext_lazy("timeline event", "申请延期")
    TICKET_EXTENSION_APPROVED = "cases.ticket.extension_approved", pgettext_lazy("timeline event", "同意延期")
    TICKET_EXTENSION_REFUSED = "cases.ticket.extension_refused", pgettext_lazy("timeline event", "不同意延期")
    TICKET_REASSIGNED = "cases.ticket.reassigned", pgettext_lazy("timeline event", "调整交办")

    TICKET_PARTY_CHANGED = "cases.ticket.party_changed", pgettext_lazy("timeline event", "变更责任方")
    TICKET_AWAITING_CLOSEOUT = (
        "cases.ticket.awaiting_closeout",
        pgettext_lazy("timeline event", "验收通过，待销号审批"),
    )
    TICKET_CLOSEOUT_APPROVED = "cases.ticket.closeout_approved", pgettext_lazy("timeline event", "销号审批通过，销号")
    TICKET_CLOSEOUT_RETURNED = "cases.ticket.closeout_returned", pgettext_lazy("timeline event", "销号审批退回整改")

    PARCEL_CROSSCHECK_REQUESTED = (
        "enterprises.parcel.crosscheck_requested",
        pgettext_lazy("timeline event", "申请交叉检查销号"),
    )
    PARCEL_CROSSCHECK_FAILED = "enterprises.parcel.crosscheck_failed", pgettext_lazy("timeline event", "交叉检查未通过")
    PARCEL_CROSSCHECK_CANCELLED = (
        "enterprises.parcel.crosscheck_cancelled",
        pgettext_lazy("timeline event", "撤销交叉检查申请"),
    )
    PARCEL_CLOSED_OUT = "enterprises.parcel.closed_out", pgettext_lazy("timeline event", "交叉检查通过，宗地销号")

    RISK_POINT_DECLARED = "risk.point.declared", pgettext_lazy("timeline event", "申报风险点")
    RISK_POINT_CHANGED = "risk.point.changed", pgettext_lazy("timeline event", "修改风险点")
    RISK_POINT_REVIEWED = "risk.point.reviewed", pgettext_lazy("timeline event", "审核风险点")
    RISK_POINT_REGRADED = "risk.point.regraded", pgettext_lazy("timeline event", "调整风险等级")
    RISK_POINT_RETIRED = "risk.point.retired", pgettext_lazy("timeline event", "停用风险点")
    PATROL_PLAN_CHANGED = "risk.patrol_plan.changed", pgettext_lazy("timeline event", "调整巡查频次")

    SERVICE_REQUEST_RAISED = "servicedesk.request.raised", pgettext_lazy("timeline event", "提出服务问题")
    SERVICE_REQUEST_DISPATCHED = "servicedesk.request.dispatched", pgettext_lazy("timeline event", "分类派发")
    SERVICE_REQUEST_ANSWERED = "servicedesk.request.answered", pgettext_lazy("timeline event", "部门答复")
    SERVICE_REQUEST_CONFIRMED = "servicedesk.request.confirmed", pgettext_lazy("timeline event", "企业确认办结")
    SERVICE_REQUEST_RETURNED = "servicedesk.request.returned", pgettext_lazy("timeline event", "企业不满意，退回办理")
    SERVICE_REQUEST_REOPENED = "servicedesk.request.reopened", pgettext_lazy("timeline event", "重新打开")
    SERVICE_REQUEST_ESCALATED = "servicedesk.request.escalated", pgettext_lazy("timeline event", "督办")


def event_label(kind):
    """The words for a stored kind; an unknown kind (written by a later version) shows as it is."""
    try:
        return EventKind(kind).label
    except ValueError:
        return kind
