from django.db.models import Prefetch
from django_filters.rest_framework import DjangoFilterBackend
from rest_framework import viewsets
from rest_framework.filters import OrderingFilter
from rest_framework.permissions import IsAuthenticated

from catalogue.api import serializers as s
from catalogue.models import Campaign, Checklist, ChecklistItem, HazardCategory
from core.api.pagination import StandardPagination

# --- the catalogue (global, not scoped) ---------------------------------------------------------


class CatalogueViewSet(viewsets.ReadOnlyModelViewSet):
    permission_classes = [IsAuthenticated]
    pagination_class = StandardPagination


class HazardCategoryViewSet(CatalogueViewSet):
    """隐患类别: the catalogue every hazard is filed under; hazards refer to a category by ``code``."""

    queryset = HazardCategory.objects.all()
    serializer_class = s.HazardCategorySerializer
    filter_backends = [DjangoFilterBackend, OrderingFilter]
    filterset_fields = ["code", "level", "default_severity", "active"]
    ordering_fields = ["order", "code", "name", "id"]


class ChecklistViewSet(CatalogueViewSet):
    """检查表 with their items: an inspection's ``results`` refer to the item ids."""

    queryset = Checklist.objects.prefetch_related(
        Prefetch("items", queryset=ChecklistItem.objects.select_related("category").order_by("order", "pk"))
    )
    serializer_class = s.ChecklistSerializer
    filter_backends = [DjangoFilterBackend, OrderingFilter]
    filterset_fields = ["code", "unit_kind", "for_parcel", "is_self_check", "active"]
    ordering_fields = ["name", "code", "id"]


class CampaignViewSet(CatalogueViewSet):
    queryset = Campaign.objects.prefetch_related("risk_tags")
    serializer_class = s.CampaignSerializer
    filter_backends = [OrderingFilter]
    ordering_fields = ["start_date", "name", "id"]
