"""Print (and with --send, deliver) the daily briefing of one day.

    python manage.py daily_report                      # yesterday, the whole area
    python manage.py daily_report --date 2023-12-31 --scope zone:3
    python manage.py daily_report --scope 中申达 --language en
    python manage.py daily_report --send               # also mail it and push it to the robots

The day's reports are generated and stored for every scope (again: updated, never duplicated),
exactly as the morning task does. --send delivers every recipient's message of the day through
the same code as the Celery task (briefing.delivery), synchronously; a message already sent is
not sent again. A bad --date or --scope changes nothing and exits non-zero.
"""

from django.conf import settings
from django.core.management.base import BaseCommand, CommandError
from django.utils.translation import gettext as _

from briefing import delivery, reports
from core.parsing import parse_id
from register.models import Grid, Zone


class Command(BaseCommand):
    @property
    def help(self):  # translated when asked for (argparse needs a str, not a lazy proxy)
        return _(
            "生成并打印某一天（默认昨天，北京时间）的每日问题整改简报；加 --send 时同时发送邮件并推送到群机器人。"
            "简报按全区、各区块、各网格保存，重复生成只更新不重复。"
        )

    def add_arguments(self, parser):
        parser.add_argument("--date", help=_("简报所覆盖的日期，格式 YYYY-MM-DD（默认昨天）"))
        parser.add_argument(
            "--scope",
            default=reports.ALL,
            help=_("打印的范围：all（全区，默认）、zone:<区块编号>、grid:<网格编号>，或区块名称"),
        )
        parser.add_argument("--send", action="store_true", help=_("发送当天简报的全部邮件和群机器人消息"))
        parser.add_argument(
            "--language",
            choices=[code for code, _name in settings.LANGUAGES],
            default=settings.LANGUAGE_CODE,
            help=_("打印文本的语言（默认中文）"),
        )

    def handle(self, *args, date=None, scope=reports.ALL, send=False, language=None, **options):
        try:
            day = reports.parse_day(date)
        except reports.ReportDateError as exc:
            raise CommandError(str(exc))
        scope = self.resolve_scope(scope)

        stored = {report.scope: report for report in reports.generate_daily_reports(day)}
        report = stored.get(scope)
        if report is None:  # a zone without grids still has its report; this is a scope that vanished
            raise CommandError(_("没有范围为 %(scope)s 的简报。") % {"scope": scope})
        self.stdout.write(reports.render_text(report.data, language))

        if send:
            self.send(day)

    def resolve_scope(self, value):
        value = (value or reports.ALL).strip()
        if value == reports.ALL:
            return value
        kind, sep, pk = value.partition(":")
        if sep and kind in ("zone", "grid"):
            model = Zone if kind == "zone" else Grid
            if parse_id(pk) and model.objects.filter(pk=parse_id(pk)).exists():
                return value
        else:
            zone = Zone.objects.filter(name=value).first()
            if zone is not None:
                return reports.zone_scope(zone.pk)
        raise CommandError(
            _("范围 %(scope)s 无效：应为 all、zone:<区块编号>、grid:<网格编号> 或区块名称。") % {"scope": value}
        )

    def send(self, day):
        outcomes = {"sent": 0, "already_sent": 0, "failed": 0}
        for delivery_id in delivery.plan_report_deliveries(day):
            try:
                outcome = delivery.deliver(delivery_id)
            except delivery.DeliveryBusy:
                outcome = "already_sent"  # another worker is sending it right now
            except Exception as exc:  # one broken recipient does not stop the others
                self.stderr.write(_("发送失败（%(id)s）：%(error)s") % {"id": delivery_id, "error": exc})
                outcome = "failed"
            outcomes["already_sent" if outcome == delivery.ALREADY_SENT else outcome] += 1
        self.stderr.write(
            _("已发送 %(sent)d 条，之前已发送 %(already)d 条，失败 %(failed)d 条。")
            % {"sent": outcomes["sent"], "already": outcomes["already_sent"], "failed": outcomes["failed"]}
        )
        if outcomes["failed"]:
            raise CommandError(_("有 %(n)d 条消息发送失败，再次运行本命令会重试。") % {"n": outcomes["failed"]})
