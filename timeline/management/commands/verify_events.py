from django.core.management.base import BaseCommand, CommandError
from django.utils.translation import gettext as _

from timeline.chain import verify_chain


class Command(BaseCommand):
    help = "Verify the hash chain of the case timeline (every event, in order). Exits non-zero if it is broken."

    def handle(self, *args, **options):
        report = verify_chain()
        if not report.ok:
            raise CommandError(
                _("时间线校验失败：第 %(id)s 号事件处断链（%(reason)s）；此前 %(n)d 条正常。")
                % {"id": report.broken_at, "reason": report.reason, "n": report.checked}
            )
        self.stdout.write(self.style.SUCCESS(_("时间线完整：%(n)d 条事件的哈希链校验通过。") % {"n": report.checked}))
