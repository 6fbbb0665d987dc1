from django.db import models
from django.utils.translation import gettext_lazy as _


class ServiceRequestStatus(models.TextChoices):
    """open → dispatched (分类派发) → answered (部门答复) → closed (企业确认); back to dispatched when the
    enterprise is not satisfied; a closed request reopened is open again."""

    OPEN = "open", _("待派发")
    DISPATCHED = "dispatched", _("办理中")
    ANSWERED = "answered", _("待确认")
    CLOSED = "closed", _("已办结")


OPEN_REQUEST_STATUSES = (ServiceRequestStatus.OPEN, ServiceRequestStatus.DISPATCHED, ServiceRequestStatus.ANSWERED)
RATINGS = [(n, str(n)) for n in range(1, 6)]
