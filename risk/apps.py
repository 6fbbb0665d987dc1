from django.apps import AppConfig
from django.utils.translation import gettext_lazy as _


class RiskConfig(AppConfig):
    name = "risk"
    verbose_name = _("风险分级管控与巡查")

    def ready(self):
        from risk import policies, receivers  # noqa: F401  (the rules of this app's actions; levels kept current)
