from django.db import models
from django.utils.translation import gettext_lazy as _


class CrossCheckStatus(models.TextChoices):
    REQUESTED = "requested", _("待检查")
    PASSED = "passed", _("通过")
    FAILED = "failed", _("未通过")
    CANCELLED = "cancelled", _("已撤销")
