from django.apps import AppConfig
from django.utils.translation import gettext_lazy as _


class LedgersConfig(AppConfig):
    name = "ledgers"
    verbose_name = _("专项台账")

    def ready(self):
        from ledgers import policies  # noqa: F401  (the rules of this app's actions)
