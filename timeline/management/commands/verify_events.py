from django.core.management.base import BaseCommand, CommandError
from django.utils.translation import gettext as _

from timeline.chain import verify_chain


class Command(BaseCommand):
    help = (
        "Verify the timeline: every event stream's hash chain, its head, and every daily anchor "
        "(recomputed from the events). Exits non-zero naming the first break."
    )

    def handle(self, *args, **options):
        report = verify_chain()
        if report.anchor is not None:
            raise CommandError(
                _("时间线校验失败：%(date)s 的每日锚点处断链（%(reason)s）；%(n)d 条事件正常。")
                % {"date": report.anchor.isoformat(), "reason": report.reason, "n": report.checked}
            )
        if not report.ok and report.broken_at is None:
            raise CommandError(
                _("时间线校验失败：事件流 %(stream)s 断链（%(reason)s）。")
                % {"stream": report.stream, "reason": report.reason}
            )
        if not report.ok:
            raise CommandError(
                _("时间线校验失败：事件流 %(stream)s 在第 %(id)s 号事件处断链（%(reason)s）。")
                % {"stream": report.stream, "id": report.broken_at, "reason": report.reason}
            )
        self.stdout.write(
            self.style.SUCCESS(
                _("时间线完整：%(n)d 条事件、%(streams)d 条事件流的哈希链和 %(anchors)d 个每日锚点校验通过。")
                % {"n": report.checked, "streams": report.streams, "anchors": report.anchors}
            )
        )
