"""Prometheus metrics at ``/metrics``.

- Requests and latencies: django-prometheus's middleware (``django_http_*``), per process. Under gunicorn
  with several workers set ``PROMETHEUS_MULTIPROC_DIR`` (an empty folder per host, emptied when the
  service starts; deploy/tracker-web.service does it): every worker then writes its numbers there and
  ``/metrics`` adds them up (prometheus_client's multiprocess mode).
- Celery task outcomes (``tracker_celery_tasks_total{task, state}``, state success/failure/retry) and
  briefing deliveries (``tracker_briefing_deliveries_total{channel, outcome}``, outcome sent or failed, one
  per attempt): counted in the database (core.models.MetricCounter), because the workers run on machines of
  their own, in prefork children, and restart: any app server's ``/metrics`` shows the totals of all.

Who may read ``/metrics`` (``metrics_allowed``): a request with ``Authorization: Bearer <METRICS_TOKEN>``
(when the setting is set), or one from an address in ``METRICS_ALLOWED_IPS`` (default 127.0.0.1 and
::1). A request that came through a proxy (X-Forwarded-For set) must come from an allowed address on
both hops, so the local nginx does not make every client "127.0.0.1".
"""

import hmac
import ipaddress
import logging
import os

from django.conf import settings
from django.db import IntegrityError, transaction
from django.db.models import F
from django.http import HttpResponse, HttpResponseForbidden

logger = logging.getLogger(__name__)

# name → (help, label names); each is exposed as <name>_total.
COUNTERS = {
    "tracker_celery_tasks": ("Celery task outcomes by task name and state", ("task", "state")),
    "tracker_briefing_deliveries": ("Briefing message deliveries by channel and outcome", ("channel", "outcome")),
}


def _labels_text(labels):
    return ",".join(f"{key}={str(labels[key]).replace(',', ' ')}" for key in sorted(labels))


def count(name, **labels):
    """Add one to the counter ``name`` with these labels, in the database. Never raises: a metric must
    not break the work it counts (a failure is logged)."""
    from core.models import MetricCounter

    text = _labels_text(labels)
    try:
        with transaction.atomic():
            updated = MetricCounter.objects.filter(name=name, labels=text).update(value=F("value") + 1)
            if not updated:
                try:
                    with transaction.atomic():
                        MetricCounter.objects.create(name=name, labels=text, value=1)
                except IntegrityError:  # another process created it meanwhile
                    MetricCounter.objects.filter(name=name, labels=text).update(value=F("value") + 1)
    except Exception:
        logger.warning("metrics: could not count %s{%s}", name, text, exc_info=True)


class DatabaseCounters:
    """A prometheus_client collector of the counters in core.models.MetricCounter."""

    def collect(self):
        from prometheus_client.core import CounterMetricFamily

        from core.models import MetricCounter

        try:
            rows = list(MetricCounter.objects.filter(name__in=COUNTERS).values_list("name", "labels", "value"))
        except Exception:
            logger.warning("metrics: could not read the counters", exc_info=True)
            rows = []
        families = {}
        for name, (help_text, label_names) in COUNTERS.items():
            families[name] = CounterMetricFamily(name, help_text, labels=label_names)
        for name, text, value in rows:
            pairs = dict(item.split("=", 1) for item in text.split(",") if "=" in item)
            label_names = COUNTERS[name][1]
            families[name].add_metric([pairs.get(label, "") for label in label_names], value)
        yield from families.values()


_registered = False


def registry():
    """The registry to expose: this process's (with the database counters), or, in multiprocess mode,
    the sum of every process's files."""
    global _registered
    from prometheus_client import REGISTRY, CollectorRegistry
    from prometheus_client.multiprocess import MultiProcessCollector

    folder = os.environ.get("PROMETHEUS_MULTIPROC_DIR")
    if folder:
        combined = CollectorRegistry()
        MultiProcessCollector(combined, path=folder)
        combined.register(DatabaseCounters())
        return combined
    if not _registered:
        REGISTRY.register(DatabaseCounters())
        _registered = True
    return REGISTRY


def _address_allowed(address, allowed):
    try:
        ip = ipaddress.ip_address(address.strip())
    except ValueError:
        return False
    for entry in allowed:
        try:
            if ip in ipaddress.ip_network(entry, strict=False):
                return True
        except ValueError:
            continue
    return False


def metrics_allowed(request):
    token = getattr(settings, "METRICS_TOKEN", "")
    header = request.META.get("HTTP_AUTHORIZATION", "")
    if token and header.startswith("Bearer ") and hmac.compare_digest(header[7:].strip(), token):
        return True
    allowed = getattr(settings, "METRICS_ALLOWED_IPS", ["127.0.0.1", "::1"])
    if not _address_allowed(request.META.get("REMOTE_ADDR", ""), allowed):
        return False
    forwarded = request.META.get("HTTP_X_FORWARDED_FOR", "")
    if forwarded:  # through a proxy: the address the proxy saw (the last hop) must be allowed too
        return _address_allowed(forwarded.split(",")[-1], allowed)
    return True


def metrics_view(request):
    if not metrics_allowed(request):
        return HttpResponseForbidden(
            "metrics: not allowed from this address (set METRICS_TOKEN or METRICS_ALLOWED_IPS)"
        )
    from prometheus_client import CONTENT_TYPE_LATEST, generate_latest

    return HttpResponse(generate_latest(registry()), content_type=CONTENT_TYPE_LATEST)


def connect_celery_signals():
    """Count every task's outcome (called once, from core.apps)."""
    from celery.signals import task_failure, task_retry, task_success

    def name_of(sender):
        return getattr(sender, "name", None) or str(sender)

    def on_success(sender=None, **kwargs):
        count("tracker_celery_tasks", task=name_of(sender), state="success")

    def on_failure(sender=None, **kwargs):
        count("tracker_celery_tasks", task=name_of(sender), state="failure")

    def on_retry(sender=None, request=None, **kwargs):
        task = getattr(request, "task", None) or name_of(sender)
        count("tracker_celery_tasks", task=task, state="retry")

    task_success.connect(on_success, weak=False, dispatch_uid="core.metrics.success")
    task_failure.connect(on_failure, weak=False, dispatch_uid="core.metrics.failure")
    task_retry.connect(on_retry, weak=False, dispatch_uid="core.metrics.retry")
