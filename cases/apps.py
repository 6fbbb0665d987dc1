from django.apps import AppConfig
from django.utils.translation import gettext_lazy as _


class CasesConfig(AppConfig):
    name = "cases"
    verbose_name = _("隐患排查治理")

    def ready(self):
        from cases import policies  # noqa: F401  (registers the rules of this app's actions with accounts.policy)
        from cases.services import tickets  # noqa: F401  (registers the ticket with cases.escalation)
