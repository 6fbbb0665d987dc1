from django.contrib import admin
from django.db.models import Count
from django.utils.translation import gettext_lazy as _

from catalogue.models import Campaign, Checklist, ChecklistItem, HazardCategory
from core.admin import NoDeleteAdminMixin
from core.admin_actions import deactivate, reactivate


@admin.register(HazardCategory)
class HazardCategoryAdmin(admin.ModelAdmin):
    list_display = ("code", "name", "level", "default_severity", "deadline_days", "accident_type", "risk_tag", "active")
    list_display_links = ("code", "name")
    list_filter = ("level", "default_severity", "accident_type", "risk_tag", "active")
    search_fields = ("code", "name", "legal_basis", "standard_measures")
    list_select_related = ("risk_tag",)
    ordering = ("order", "code")
    fieldsets = (
        (None, {"fields": ("code", "name", "level", "default_severity", "deadline_days", "accident_type", "risk_tag")}),
        (_("依据与措施"), {"fields": ("legal_basis", "standard_measures")}),
        (_("显示"), {"fields": ("active", "order")}),
    )


@admin.register(Campaign)
class CampaignAdmin(NoDeleteAdminMixin, admin.ModelAdmin):
    """Campaigns are deactivated, never deleted: deleting one would unlink the inspections made for it."""

    list_display = ("name", "start_date", "end_date", "active")
    list_filter = ("active",)
    actions = [deactivate, reactivate]
    search_fields = ("name", "description")
    date_hierarchy = "start_date"
    filter_horizontal = ("risk_tags",)


class ChecklistItemInline(admin.TabularInline):
    model = ChecklistItem
    fields = ("order", "text", "category")
    autocomplete_fields = ("category",)
    extra = 0


@admin.register(Checklist)
class ChecklistAdmin(admin.ModelAdmin):
    list_display = ("name", "code", "unit_kind", "risk_tag", "for_parcel", "is_self_check", "active", "item_count")
    list_filter = ("unit_kind", "risk_tag", "for_parcel", "is_self_check", "active")
    search_fields = ("name", "code", "items__text")
    list_select_related = ("risk_tag",)
    inlines = [ChecklistItemInline]

    def get_queryset(self, request):
        return super().get_queryset(request).annotate(item_total=Count("items"))

    @admin.display(description=_("检查项数"), ordering="item_total")
    def item_count(self, obj):
        return obj.item_total
