import os

from celery import Celery

os.environ.setdefault("DJANGO_SETTINGS_MODULE", "config.settings")

app = Celery("tracker")
app.config_from_object("django.conf:settings", namespace="CELERY")
app.autodiscover_tasks()


@app.on_after_configure.connect
def prepare_embedded_folders(sender, **kwargs):
    """A worker, beat or ``celery call`` on the embedded broker needs its folders (the settings make none)."""
    from config.embedded import prepare_var_dir

    prepare_var_dir(secret_key=False)  # the settings have read the key already
