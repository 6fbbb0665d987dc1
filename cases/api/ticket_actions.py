"""Input serializers of the ticket actions added with extensions, reassignment and the close-out
approval (kept beside cases.api.serializers, which holds the others)."""

from django.utils.translation import gettext_lazy as _
from rest_framework import serializers

from cases.api.serializers import DeadlineMixin, TicketAssignSerializer
from register.models import Enterprise


class DecisionSerializer(serializers.Serializer):
    approve = serializers.BooleanField(label=_("同意"))
    comment = serializers.CharField(
        required=False,
        allow_blank=True,
        max_length=5000,
        default="",
        label=_("审批意见"),
        help_text=_("不同意时必填。"),
    )


class TicketExtensionSerializer(DeadlineMixin, serializers.Serializer):
    deadline = serializers.DateField(label=_("申请延期至"), help_text=_("须晚于当前整改期限，且不早于今天。"))
    reason = serializers.CharField(max_length=5000, label=_("延期理由"))


class TicketReassignSerializer(DeadlineMixin, serializers.Serializer):
    """Only the fields sent change; ``assignee: null`` clears the assignee."""

    reason = serializers.CharField(max_length=5000, label=_("调整原因"))
    deadline = serializers.DateField(required=False, label=_("整改期限"))
    assignee = serializers.IntegerField(
        required=False, allow_null=True, min_value=1, max_value=2**63 - 1, label=_("整改人")
    )
    responsible_person = serializers.CharField(required=False, allow_blank=True, max_length=100, label=_("整改责任人"))

    validate_assignee = TicketAssignSerializer.validate_assignee


class TicketPartySerializer(serializers.Serializer):
    """``enterprise``: another enterprise on the ticket's parcel; ``null``: the parcel's landlord."""

    reason = serializers.CharField(max_length=5000, label=_("变更原因"))
    enterprise = serializers.IntegerField(
        allow_null=True, min_value=1, max_value=2**63 - 1, label=_("新的责任单位"), help_text=_("null 表示宗地房东。")
    )

    def validate_enterprise(self, pk):
        if pk is None:
            return None
        found = Enterprise.objects.visible_to(self.context["request"].user).filter(pk=pk).first()
        if found is None:
            raise serializers.ValidationError(_("新的责任单位须是同一宗地上的在营单位。"))
        return found
