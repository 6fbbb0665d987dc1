from django.apps import AppConfig
from django.utils.translation import gettext_lazy as _


class CoreConfig(AppConfig):
    name = "core"
    verbose_name = _("公共")

    def ready(self):
        from core.images import limit_pillow

        limit_pillow()  # PHOTO_MAX_PIXELS: Pillow refuses larger images before decoding them
        from core.metrics import connect_celery_signals

        connect_celery_signals()
