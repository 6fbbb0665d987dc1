from django.db import models
from django.utils.translation import gettext_lazy as _


class Role(models.TextChoices):
    INSPECTOR = "inspector", _("网格员")
    MANAGER = "manager", _("交办/安监人员")
    LEADER = "leader", _("领导")
    ENTERPRISE = "enterprise", _("企业主/安全员")
    LANDLORD = "landlord", _("房东")
    DEPARTMENT = "department", _("职能部门")
