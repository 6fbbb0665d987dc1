"""python manage.py seed_demo [--scale small|seed|city] [--years N] [--reset]: demo data and demo logins."""

from django.core.management.base import BaseCommand, CommandError
from django.utils.translation import gettext as _

from cases.choices import HazardStatus, TicketStatus
from demo import builders as demo
from ledgers.choices import LetterStatus
from register.choices import CloseoutState, EnterpriseKind, RiskLevel, RiskTag
from servicedesk.choices import ServiceRequestStatus


class Command(BaseCommand):
    @property
    def help(self):  # translated when asked for (argparse needs a str, not a lazy proxy)
        return _(
            "生成演示数据和演示账号。small：几秒钟，覆盖每种单位、角色和状态（通过业务服务生成）；"
            "seed：按报道数据重建台账（293 个一厂多租宗地、2033 家工业企业、11024 家次排查、19997 条隐患，整改率 99.21%）；"
            "city：约 5 万家企业，用于性能测试。数据库中已有数据时须加 --reset。"
        )

    def add_arguments(self, parser):
        parser.add_argument(
            "--scale",
            choices=sorted(demo.SCALES, key=list(demo.SCALES).index),
            default="small",
            help=_("数据规模（默认 small）"),
        )
        parser.add_argument(
            "--years",
            type=int,
            default=1,
            help=_(
                "seed、city：已整改的历史台账延续几年（默认 1，即 2023 年），每个工作日的排查、隐患、整改单和事件数量不变；"
                "--scale city --years 5 约 100 万条隐患"
            ),
        )
        parser.add_argument(
            "--reset",
            action="store_true",
            help=_("先删除现有的台账、案件和非超级管理员账号（保留隐患类别和检查表），再重建演示数据"),
        )
        parser.add_argument(
            "--force",
            action="store_true",
            help=_("与 --reset 同用：数据库中有非演示数据生成的账号或单位时也清空（慎用）"),
        )

    def handle(self, *args, scale, reset, force=False, years=1, **options):
        verbose = options.get("verbosity", 1) >= 2
        try:
            result = demo.build_demo(
                scale, years=years, reset=reset, force=force, log=self.stderr.write if verbose else None
            )
        except demo.DemoError as exc:
            raise CommandError(str(exc))
        self.stdout.write(
            self.style.SUCCESS(
                _("演示数据（%(scale)s）已生成，用时 %(seconds).1f 秒。") % {"scale": scale, "seconds": result.seconds}
            )
        )
        for line in summary_lines(result.summary):
            self.stdout.write("  " + line)
        self.stdout.write("")
        self.stdout.write(_("演示账号（密码：%(password)s）：") % {"password": result.password})
        for username, name, role in result.logins:
            self.stdout.write(f"  {username:<17} {name}（{role}）")


def _by(counts, choices):
    return "，".join(f"{choice.label} {counts.get(choice.value, 0)}" for choice in choices)


def summary_lines(summary):
    ledger = summary["ledger"]
    tags = summary["risk_tags"]
    return [
        _(
            "区块 %(zones)d，网格 %(grids)d，宗地 %(parcels)d（一厂多租 %(multi)d；绿 %(green)d / 待交叉检查 %(cc)d / 红 %(red)d，"
            "已销号 %(closed)d）"
        )
        % {
            "zones": summary["zones"],
            "grids": summary["grids"],
            "parcels": summary["parcels"],
            "multi": summary["multi_tenant_parcels"],
            "green": summary["parcels_by_state"].get(CloseoutState.GREEN, 0),
            "cc": summary["parcels_by_state"].get(CloseoutState.CROSSCHECK, 0),
            "red": summary["parcels_by_state"].get(CloseoutState.RED, 0),
            "closed": summary["parcels_closed_out"],
        },
        _("单位：%(kinds)s") % {"kinds": _by(summary["enterprises_by_kind"], EnterpriseKind)},
        _("风险类型：%(tags)s") % {"tags": _by(tags, RiskTag)},
        _("排查 %(n)d 家次；隐患：%(statuses)s（疑似重复 %(likely)d）")
        % {
            "n": summary["inspections"],
            "statuses": _by(summary["hazards_by_status"], HazardStatus),
            "likely": summary["likely_duplicates"],
        },
        _("整改单：%(statuses)s；逾期 %(overdue)d，督办 %(l1)d，挂牌督办 %(l2)d，退回重改 %(rework)d")
        % {
            "statuses": _by(summary["tickets_by_status"], TicketStatus),
            "overdue": summary["overdue_tickets"],
            "l1": summary["escalated"].get(1, 0),
            "l2": summary["escalated"].get(2, 0),
            "rework": summary["reworked_tickets"],
        },
        _("排查发现隐患 %(found)d，整改一般隐患 %(general)d、重点隐患 %(major)d，整改率 %(rate)s%%")
        % {
            "found": ledger["found"],
            "general": ledger["rectified_general"],
            "major": ledger["rectified_major"],
            "rate": ledger["rate"] if ledger["rate"] is not None else "-",
        },
        _("风险点 %(points)d（%(levels)s）；单位风险等级：%(units)s")
        % {
            "points": sum(summary["risk_points_by_level"].values()),
            "levels": _by(summary["risk_points_by_level"], RiskLevel),
            "units": _by(summary["enterprises_by_risk_level"], RiskLevel),
        },
        _("巡更打卡 %(checkins)d 次（异常 %(flagged)d 次），现场核验 %(verified)d 家次")
        % {
            "checkins": sum(summary["checkins_by_flag"].values()),
            "flagged": sum(n for flag, n in summary["checkins_by_flag"].items() if flag),
            "verified": summary["verified_inspections"],
        },
        *campaign_lines(summary["campaign_ledgers"]),
        _("事件 %(events)d 条，照片 %(photos)d 张") % {"events": summary["events"], "photos": summary["photos"]},
    ]


def campaign_lines(counts):
    """培训演练, 企业服务问题, 焊有序设备 and 责任书 as the seeding printed them."""
    return [
        _("培训演练 %(sessions)d 场，%(people)d 人次")
        % {"sessions": counts["drills"], "people": counts["person_times"]},
        _("企业服务问题：%(statuses)s；已办结 %(solved)d，逾期 %(overdue)d")
        % {
            "statuses": _by(counts["requests_by_status"], ServiceRequestStatus),
            "solved": counts["requests_solved"],
            "overdue": counts["requests_overdue"],
        },
        _("焊有序设备 %(n)d 台") % {"n": counts["welding_devices"]},
        _("本年责任书：%(statuses)s；一厂多租房东已签 %(signed)d / %(parcels)d")
        % {
            "statuses": _by(counts["letters_by_status"], LetterStatus),
            "signed": counts["landlord_letters_signed"],
            "parcels": counts["multi_tenant_parcels"],
        },
    ]
