"""Re-apply the shipped hazard catalogue and checklists (inspections/catalogue.py).

Matches categories and checklists by code, checklist items by (checklist, order): rows are
created or brought back to the shipped text; nothing is deleted, and a row switched off in
admin stays off. Running it twice changes nothing.
"""

from django.core.management.base import BaseCommand
from django.db import transaction
from django.utils.translation import gettext as _

from catalogue.loader import load_catalogue
from catalogue.models import Checklist, ChecklistItem, HazardCategory
from register.models import RiskTagOption


class DryRunRollback(Exception):
    pass


class Command(BaseCommand):
    @property
    def help(self):  # translated when asked for (argparse needs a str, not a lazy proxy)
        return _(
            "按编码创建或更新系统自带的隐患类别和检查表。可重复运行；在管理后台对自带内容的修改会被覆盖，"
            "另行添加的条目保留不动。"
        )

    def add_arguments(self, parser):
        parser.add_argument("--dry-run", action="store_true", help=_("只统计将要做的更改，不写入任何数据"))

    def handle(self, *args, dry_run=False, **options):
        try:
            with transaction.atomic():
                stats = load_catalogue(HazardCategory, Checklist, ChecklistItem, RiskTagOption)
                if dry_run:
                    raise DryRunRollback
        except DryRunRollback:
            pass
        labels = {"categories": _("隐患类别"), "checklists": _("检查表"), "items": _("检查项")}
        for kind, label in labels.items():
            self.stdout.write(
                _("%(label)s：新增 %(created)d，更新 %(updated)d，未变 %(unchanged)d")
                % {
                    "label": label,
                    "created": stats[f"{kind}_created"],
                    "updated": stats[f"{kind}_updated"],
                    "unchanged": stats[f"{kind}_unchanged"],
                }
            )
        if dry_run:
            self.stdout.write(_("试运行：未写入任何更改。"))
        else:
            self.stdout.write(self.style.SUCCESS(_("隐患类别目录和检查表已载入。")))
