"""Admin actions that deactivate (or reactivate) rows instead of deleting them.

Register rows with history (enterprises, accounts) and campaigns are kept: the admin offers no delete
for them (core.admin.NoDeleteAdminMixin), only these actions on the list.
"""

from django.contrib import admin, messages
from django.utils.translation import gettext as _
from django.utils.translation import gettext_lazy


def set_flag_action(field, value, description, name):
    """An admin action that sets the boolean ``field`` of the selected rows to ``value``."""

    @admin.action(description=description)
    def action(modeladmin, request, queryset):
        changed = queryset.exclude(**{field: value}).update(**{field: value})
        modeladmin.message_user(request, _("已更新 %(count)d 条记录。") % {"count": changed}, messages.SUCCESS)

    action.__name__ = name
    return action


deactivate = set_flag_action("active", False, gettext_lazy("停用所选记录（不删除）"), "deactivate")
reactivate = set_flag_action("active", True, gettext_lazy("重新启用所选记录"), "reactivate")
