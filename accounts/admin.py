import logging

from axes.models import AccessAttempt
from django.contrib import admin, messages
from django.contrib.auth.admin import UserAdmin as BaseUserAdmin
from django.core.exceptions import ValidationError
from django.utils.translation import gettext_lazy as _
from rest_framework.authtoken.admin import TokenChangeList
from rest_framework.authtoken.models import TokenProxy

from accounts.models import ApiToken, Department, User
from accounts.policy import is_admin
from accounts.scoping import ScopedAdminMixin
from core.admin import NoDeleteAdminMixin

logger = logging.getLogger(__name__)

# The admin speaks the product's name, not "Django 管理".
admin.site.site_header = _("安全隐患排查整改系统")
admin.site.site_title = _("安全隐患排查整改系统")
admin.site.index_title = _("系统管理")

# Fields that hand out power beyond a zone: only a superuser changes them.
PRIVILEGE_FIELDS = ("is_superuser", "whole_area", "groups", "user_permissions")


@admin.action(description=_("解除锁定（清除登录失败记录）"))
def unlock(modeladmin, request, queryset):
    """Clears the failed sign-ins (django-axes) of the selected accounts: they may sign in again at once."""
    usernames = list(queryset.values_list("username", flat=True))
    cleared = AccessAttempt.objects.filter(username__in=usernames).delete()[0]
    logger.info("Sign-in lockout cleared by %s for %s (%d attempt records)", request.user, usernames, cleared)
    modeladmin.message_user(request, _("已为 %(count)d 个账号解除锁定。") % {"count": len(usernames)}, messages.SUCCESS)


@admin.action(description=_("停用所选账号（不删除）"))
def deactivate_accounts(modeladmin, request, queryset):
    changed = queryset.filter(is_active=True).exclude(pk=request.user.pk).update(is_active=False)
    modeladmin.message_user(request, _("已停用 %(count)d 个账号。") % {"count": changed}, messages.SUCCESS)


@admin.register(User)
class UserAdmin(NoDeleteAdminMixin, ScopedAdminMixin, BaseUserAdmin):
    """Accounts; a scoped staff user sees and links only the accounts and units of their scope.

    Accounts are kept with their history (who reported, assigned, verified): never deleted, deactivated
    instead (is_active off); a locked-out account is unlocked with the action 解除锁定.
    """

    actions = [unlock, deactivate_accounts]

    list_display = ("username", "first_name", "last_name", "role", "whole_area", "is_staff", "is_active")
    list_filter = ("role", "whole_area", "is_staff", "is_active", "zones")
    search_fields = ("username", "first_name", "last_name", "email", "phone")
    filter_horizontal = ("zones", "grids", "enterprises", "parcels", "groups", "user_permissions")
    autocomplete_fields = ()
    fieldsets = BaseUserAdmin.fieldsets + (
        (
            _("角色与范围"),
            {
                "fields": (
                    "role",
                    "department",
                    "phone",
                    "language",
                    "receives_daily_report",
                    "whole_area",
                    "zones",
                    "grids",
                )
            },
        ),
        (_("企业与房东"), {"fields": ("enterprises", "parcels")}),
    )
    add_fieldsets = BaseUserAdmin.add_fieldsets + (
        (_("角色与范围"), {"fields": ("role", "department", "whole_area", "zones", "grids")}),
    )

    def get_readonly_fields(self, request, obj=None):
        readonly = tuple(super().get_readonly_fields(request, obj))
        if is_admin(request.user):
            return readonly
        return readonly + PRIVILEGE_FIELDS


# --- API tokens: never shown after creation ------------------------------------------------------

if admin.site.is_registered(TokenProxy):
    admin.site.unregister(TokenProxy)  # DRF's admin lists every key in clear


@admin.register(ApiToken)
class ApiTokenAdmin(admin.ModelAdmin):
    """Who holds an API token and since when, for superusers only; a token can be revoked here.

    The key is never shown (nor searchable): it is shown once, by ``POST /api/v1/auth/token/``.
    Rows are addressed by the user's id, as in DRF's own token admin, so no URL carries a key.
    """

    list_display = ("user", "created")
    list_filter = ("created",)
    search_fields = ("user__username",)
    search_help_text = _("用户名")
    fields = ("user", "created")
    readonly_fields = fields
    ordering = ("user__username",)
    list_select_related = ("user",)
    actions = None  # the selection would carry the rows' keys

    def get_changelist(self, request, **kwargs):
        return TokenChangeList

    def get_object(self, request, object_id, from_field=None):
        queryset = self.get_queryset(request)
        try:
            return queryset.get(user_id=User._meta.pk.to_python(object_id))
        except (ApiToken.DoesNotExist, ValidationError, ValueError):
            return None

    def has_module_permission(self, request):
        return is_admin(request.user)

    def has_view_permission(self, request, obj=None):
        return is_admin(request.user)

    def has_add_permission(self, request):
        return False  # created by the API, which shows the key once

    def has_change_permission(self, request, obj=None):
        return False

    def has_delete_permission(self, request, obj=None):
        return is_admin(request.user)


@admin.register(Department)
class DepartmentAdmin(admin.ModelAdmin):
    """The departments that answer enterprise service requests: data the office keeps."""

    list_display = ("name", "code", "phone", "order", "active")
    list_editable = ("order", "active")
    list_filter = ("active",)
    search_fields = ("name", "code")
