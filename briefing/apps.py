from django.apps import AppConfig
from django.utils.translation import gettext_lazy as _


class BriefingConfig(AppConfig):
    name = "briefing"
    verbose_name = _("每日简报")

    def ready(self):
        from briefing import signals

        signals.connect()
