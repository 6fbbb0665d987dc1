import re
from datetime import date

from django.core.management.base import BaseCommand, CommandError
from django.utils.translation import gettext as _

from timeline.chain import verify_chain
from timeline.models import DailyAnchor

PUBLISHED = re.compile(r"^(\d{4}-\d{2}-\d{2})[:=]([0-9a-f]{64})$")


class Command(BaseCommand):
    help = (
        "Verify the timeline: every event stream's chain (HMAC under the ledger key named on each event), its "
        "head, every daily anchor (recomputed from the events) and the seal of the events from before the keys. "
        "Exits non-zero naming the first break and every key id that the settings do not list."
    )

    def add_arguments(self, parser):
        parser.add_argument(
            "--anchor",
            action="append",
            default=[],
            metavar="DATE:HASH",
            help="A published anchor (the daily briefing's 台账锚点 line: its date and anchor hash) that the "
            "stored anchor of that day must match; may be given several times.",
        )

    def handle(self, *args, **options):
        published = [self.parse_published(value) for value in options["anchor"]]
        report = verify_chain()
        if not report.ok:
            raise CommandError(self.failure(report))
        for day, expected in published:
            stored = DailyAnchor.objects.filter(date=day).values_list("hash", flat=True).first()
            if stored != expected:
                raise CommandError(
                    _("时间线校验失败：%(date)s 的每日锚点与公布的锚点哈希不符（库中为 %(stored)s）。")
                    % {"date": day.isoformat(), "stored": stored or "—"}
                )
        self.stdout.write(
            self.style.SUCCESS(
                _("时间线完整：%(n)d 条事件、%(streams)d 条事件流的哈希链和 %(anchors)d 个每日锚点校验通过。")
                % {"n": report.checked, "streams": report.streams, "anchors": report.anchors}
            )
        )

    def parse_published(self, value):
        match = PUBLISHED.match(value.strip().lower())
        if not match:
            raise CommandError(_("--anchor 应为 日期:锚点哈希，例如 2026-03-01:<64 位十六进制>。"))
        try:
            return date.fromisoformat(match[1]), match[2]
        except ValueError as exc:
            raise CommandError(str(exc)) from None

    def failure(self, report):
        if report.anchor is not None:
            message = _("时间线校验失败：%(date)s 的每日锚点处断链（%(reason)s）；%(n)d 条事件正常。") % {
                "date": report.anchor.isoformat(),
                "reason": report.reason,
                "n": report.checked,
            }
        elif report.broken_at is not None:
            message = _("时间线校验失败：事件流 %(stream)s 在第 %(id)s 号事件处断链（%(reason)s）。") % {
                "stream": report.stream,
                "id": report.broken_at,
                "reason": report.reason,
            }
        elif report.stream:
            message = _("时间线校验失败：事件流 %(stream)s 断链（%(reason)s）。") % {
                "stream": report.stream,
                "reason": report.reason,
            }
        else:
            message = _("时间线校验失败：%(reason)s。") % {"reason": report.reason}
        if report.missing_keys:
            message += _("未配置的台账密钥：%(keys)s。") % {"keys": "、".join(report.missing_keys)}
        return message
