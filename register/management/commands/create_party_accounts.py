"""python manage.py create_party_accounts [--zone Z] [--only enterprises|landlords] [--dry-run] [--xlsx FILE]."""

from django.core.management.base import BaseCommand, CommandError
from django.utils.translation import gettext as _

from core.xlsx import write_workbook
from register.models import Zone
from register.party_accounts import PartyAccounts, outcome_headers, outcome_rows, units_in_zone


class Command(BaseCommand):
    @property
    def help(self):
        return _(
            "按台账登记的手机号为企业和房东开通账号（登录名为手机号，首次登录用激活码设置密码）。"
            "已有账号的单位不重复开通；没有有效手机号的单位列为跳过并说明原因。"
        )

    def add_arguments(self, parser):
        parser.add_argument("--zone", help=_("只处理此区块（名称或代码）的单位"))
        parser.add_argument("--only", choices=["enterprises", "landlords"], help=_("只处理企业或只处理房东"))
        parser.add_argument("--dry-run", action="store_true", help=_("只列出将要做的事，不写入任何数据"))
        parser.add_argument(
            "--reissue", action="store_true", help=_("为已开通但尚未激活的账号重新生成激活码（原激活码作废）")
        )
        parser.add_argument("--xlsx", help=_("把手机号和激活码写入此 Excel 文件"))

    def handle(self, *args, zone, only, dry_run, reissue, xlsx, **options):
        if zone and not Zone.objects.filter(name=zone).exists() and not Zone.objects.filter(code=zone).exists():
            raise CommandError(_("没有名称或代码为“%(zone)s”的区块。") % {"zone": zone})
        enterprises, parcels = units_in_zone(zone)
        if only == "enterprises":
            parcels = parcels.none()
        elif only == "landlords":
            enterprises = enterprises.none()
        accounts = PartyAccounts(reissue=reissue)
        outcomes = accounts.run(enterprises, parcels, dry_run=dry_run)
        for row in outcome_rows(outcomes):
            self.stdout.write("\t".join(str(value) for value in row))
        counts = accounts.counts()
        summary = (
            _("新开通 %(created)d，关联已有账号 %(linked)d，已有账号 %(has_account)d，跳过 %(skipped)d。") % counts
        )
        if dry_run:
            summary = _("（试运行，未写入）") + summary
        self.stdout.write(summary)
        if xlsx and not dry_run:
            with (
                write_workbook(_("激活码"), outcome_headers(), outcome_rows(outcomes)) as handle,
                open(xlsx, "wb") as out,
            ):
                out.write(handle.read())
            self.stdout.write(_("激活码已写入 %(path)s，请妥善保管。") % {"path": xlsx})
