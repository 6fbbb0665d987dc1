"""python manage.py restore DIR: load a backup (manage.py backup) into a new, empty database and check it."""

from django.core.management.base import BaseCommand, CommandError
from django.utils.translation import gettext as _

from core.backup import BackupError, restore


class Command(BaseCommand):
    help = (
        "Restore a backup folder written by `manage.py backup` into the configured database, which must be "
        "empty (create a new one). Compares every table's row count with the manifest and the stored files "
        "with the listing (copying back files the backup holds and the storage lacks); exits non-zero on a "
        "difference. Then run `manage.py migrate` (a newer version) and `manage.py verify_events`."
    )

    def add_arguments(self, parser):
        parser.add_argument("folder")
        parser.add_argument("--check-hashes", action="store_true", help="compare each stored file's SHA-256 too")
        parser.add_argument(
            "--privileges",
            action="store_true",
            help="PostgreSQL: apply the dump's GRANT/REVOKE too (the roles must exist on this server)",
        )

    def handle(self, *args, folder, check_hashes=False, privileges=False, **options):
        try:
            mismatches, media_problems = restore(folder, check_hashes=check_hashes, privileges=privileges)
        except BackupError as exc:
            raise CommandError(_("恢复失败：%(error)s") % {"error": exc})
        for line in media_problems:
            self.stderr.write(line)
        if mismatches:
            for line in mismatches:
                self.stderr.write(line)
            raise CommandError(_("恢复后的行数与备份清单不符：%(n)d 张表。") % {"n": len(mismatches)})
        self.stdout.write(self.style.SUCCESS(_("数据库已恢复，各表行数与备份清单一致。")))
        if media_problems:
            raise CommandError(
                _("有 %(n)d 个文件缺失或不一致：请从对象存储或文件备份中恢复。") % {"n": len(media_problems)}
            )
