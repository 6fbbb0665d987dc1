from django.apps import AppConfig
from django.utils.translation import gettext_lazy as _


class ServicedeskConfig(AppConfig):
    name = "servicedesk"
    verbose_name = _("企业服务")

    def ready(self):
        from servicedesk import policies, services  # noqa: F401  (the rules; the kind registered with cases.escalation)
