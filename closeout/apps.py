from django.apps import AppConfig
from django.utils.translation import gettext_lazy as _


class CloseoutConfig(AppConfig):
    name = "closeout"
    verbose_name = _("宗地销号")

    def ready(self):
        from closeout import policies  # noqa: F401  (registers the rules of this app's actions with accounts.policy)
