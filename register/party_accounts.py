"""Accounts for the register's parties: enterprises (企业主/安全员) and landlords (房东), opened in bulk.

The login is the mobile number the register holds (Enterprise.phone, Parcel.landlord_phone). A new
account has no usable password: its first sign-in sets one with the one-time activation code
returned here (accounts.activation). An existing account with that mobile (as login or as phone)
is linked to the unit, never duplicated. A unit is skipped, with the reason, when it already has an
account, has no valid mainland mobile number, or its mobile belongs to an account of another role.

Scope is the caller's: pass only units from ``visible_to(user)``.
"""

import re
from dataclasses import dataclass

from django.contrib.auth import get_user_model
from django.db import transaction
from django.db.models import Exists, OuterRef, Q
from django.utils.translation import gettext as _
from django.utils.translation import gettext_lazy

from accounts.activation import issue_code
from accounts.choices import Role
from register.cleaning import clean_code
from register.models import Enterprise, Parcel

MOBILE_RE = re.compile(r"^1\d{10}$")

CREATED, LINKED, HAS_ACCOUNT, SKIPPED = "created", "linked", "has_account", "skipped"
STATUS_LABELS = {
    CREATED: gettext_lazy("新开通"),
    LINKED: gettext_lazy("关联已有账号"),
    HAS_ACCOUNT: gettext_lazy("已有账号"),
    SKIPPED: gettext_lazy("跳过"),
}


def mobile_of(text):
    """The mainland mobile number in a phone cell (11 digits starting with 1; spaces, dashes and +86 dropped),
    or None."""
    digits = re.sub(r"[\s\-()（）]", "", clean_code(text))
    if digits.startswith("+86"):
        digits = digits[3:]
    elif digits.startswith("86") and len(digits) == 13:
        digits = digits[2:]
    return digits if MOBILE_RE.match(digits) else None


# --- which units have an account ---------------------------------------------------------------------


def _party_users(relation, role, **extra):
    User = get_user_model()
    return User.objects.filter(role=role, **{relation: OuterRef("pk")}, **extra)


def with_accounts(queryset):
    """Annotate ``has_account`` and ``account_pending`` (opened, not yet activated) on enterprises or parcels."""
    if queryset.model is Enterprise:
        users = _party_users("enterprises", Role.ENTERPRISE)
        pending = _party_users("enterprises", Role.ENTERPRISE, password__startswith="!")
        return queryset.annotate(has_account=Exists(users), account_pending=Exists(pending))
    landlords = get_user_model().objects.filter(role=Role.LANDLORD)
    owned = landlords.filter(Q(owned_parcels=OuterRef("pk")) | Q(parcels=OuterRef("pk")))
    return queryset.annotate(has_account=Exists(owned), account_pending=Exists(owned.filter(password__startswith="!")))


# --- opening accounts --------------------------------------------------------------------------------


@dataclass
class Outcome:
    unit: object
    kind: str  # "enterprise" or "parcel"
    mobile: str
    status: str
    reason: str = ""
    code: str = ""
    username: str = ""

    @property
    def status_label(self):
        return STATUS_LABELS[self.status]

    @property
    def kind_label(self):
        return _("企业") if self.kind == "enterprise" else _("房东（宗地）")

    @property
    def unit_label(self):
        unit = self.unit
        return unit.name if self.kind == "enterprise" else f"{unit.code} {unit.name}"


class PartyAccounts:
    """Open the accounts of a batch of units; ``outcomes`` lists what happened to each."""

    def __init__(self, by=None, *, reissue=False):
        self.by = by
        self.reissue = reissue  # a new code for a unit's account not yet activated (the old one stops working)
        self.outcomes = []
        self._codes = {}  # user pk -> the code issued in this batch

    def run(self, enterprises=(), parcels=(), *, dry_run=False):
        with transaction.atomic():
            for enterprise in enterprises:
                self._open(enterprise, "enterprise")
            for parcel in parcels:
                self._open(parcel, "parcel")
            if dry_run:
                transaction.set_rollback(True)
                for outcome in self.outcomes:
                    outcome.code = ""
        return self.outcomes

    def counts(self):
        counts = dict.fromkeys(STATUS_LABELS, 0)
        for outcome in self.outcomes:
            counts[outcome.status] += 1
        return counts

    # one unit

    def _open(self, unit, kind):
        role = Role.ENTERPRISE if kind == "enterprise" else Role.LANDLORD
        phone = unit.phone if kind == "enterprise" else unit.landlord_phone
        outcome = Outcome(unit, kind, clean_code(phone), SKIPPED)
        self.outcomes.append(outcome)
        existing = self._unit_account(unit, kind)
        if existing is not None:
            outcome.status, outcome.username = HAS_ACCOUNT, existing.username
            outcome.reason = _("已有账号 %(username)s。") % {"username": existing.username}
            if not existing.has_usable_password():
                if self.reissue:
                    outcome.code = self._code(existing)
                    outcome.reason = _("账号 %(username)s 尚未激活：已生成新的激活码，原激活码作废。") % {
                        "username": existing.username
                    }
                else:
                    outcome.reason = _("已有账号 %(username)s，尚未激活。") % {"username": existing.username}
            return
        mobile = mobile_of(phone)
        if mobile is None:
            what = _("联系电话") if kind == "enterprise" else _("房东电话")
            if not outcome.mobile:
                outcome.reason = _("台账未登记%(what)s。") % {"what": what}
            else:
                outcome.reason = _("%(what)s不是有效的手机号（应为以1开头的11位数字）。") % {"what": what}
            return
        outcome.mobile = mobile
        user, reason = self._account_for(mobile, role)
        if reason:
            outcome.reason = reason
            return
        created = user is None
        if created:
            user = self._create(mobile, role, unit, kind)
        self._link(user, unit, kind)
        outcome.status, outcome.username = (CREATED if created else LINKED), user.username
        if created or (self.reissue and not user.has_usable_password()):
            outcome.code = self._code(user)  # the code of the first sign-in
        elif user.pk in self._codes:
            outcome.code = self._codes[user.pk]

    def _code(self, user):
        """One code per account and batch (a mobile may stand for several units)."""
        if user.pk not in self._codes:
            self._codes[user.pk] = issue_code(user, by=self.by)
        return self._codes[user.pk]

    def _unit_account(self, unit, kind):
        if kind == "enterprise":
            return unit.users.filter(role=Role.ENTERPRISE).order_by("pk").first()
        if unit.landlord_user_id and unit.landlord_user.role == Role.LANDLORD:
            return unit.landlord_user
        return unit.users.filter(role=Role.LANDLORD).order_by("pk").first()

    def _account_for(self, mobile, role):
        """(the account to link, None) or (None, why not); (None, "") when a new one is to be made."""
        User = get_user_model()
        matches = list(User.objects.filter(Q(username=mobile) | Q(phone=mobile)).order_by("pk")[:3])
        by_login = [u for u in matches if u.username == mobile]
        candidates = by_login or matches
        if not candidates:
            return None, ""
        if len(candidates) > 1:
            return None, _("有多个账号使用手机号 %(mobile)s，请在系统管理中处理。") % {"mobile": mobile}
        user = candidates[0]
        if user.role != role or user.is_superuser or not user.is_active:
            label = user.get_role_display() or _("无角色")
            return None, _("手机号 %(mobile)s 已用于账号 %(username)s（%(role)s），不能作为此单位的账号。") % {
                "mobile": mobile,
                "username": user.username,
                "role": label,
            }
        return user, ""

    def _create(self, mobile, role, unit, kind):
        User = get_user_model()
        name = (unit.safety_contact or unit.legal_representative) if kind == "enterprise" else unit.landlord_name
        user = User(username=mobile, phone=mobile, role=role, first_name=(name or "")[:150])
        user.set_unusable_password()
        user.save()
        return user

    @staticmethod
    def _link(user, unit, kind):
        if kind == "enterprise":
            user.enterprises.add(unit)
        elif unit.landlord_user_id is None:
            Parcel.objects.filter(pk=unit.pk).update(landlord_user=user)
            unit.landlord_user = user
        else:
            user.parcels.add(unit)


# --- the list of codes -------------------------------------------------------------------------------


def outcome_headers():
    return [_("类别"), _("单位"), _("网格"), _("手机号（登录名）"), _("激活码"), _("结果"), _("说明")]


def outcome_rows(outcomes):
    for o in outcomes:
        grid = o.unit.grid
        yield [
            str(o.kind_label),
            o.unit_label,
            f"{grid.zone.name} / {grid.name}",
            o.mobile,
            o.code,
            str(o.status_label),
            o.reason,
        ]


def units_in_zone(zone=None):
    """Every enterprise and parcel (of one zone, by name or code, when given), for the command."""
    enterprises = Enterprise.objects.select_related("grid__zone").filter(active=True).order_by("name", "pk")
    parcels = Parcel.objects.select_related("grid__zone", "landlord_user").order_by("code")
    if zone:
        where = Q(grid__zone__name=zone) | Q(grid__zone__code=zone)
        enterprises, parcels = enterprises.filter(where), parcels.filter(where)
    return enterprises, parcels
