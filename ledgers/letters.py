"""Safety responsibility letters (安全生产责任书/承诺书, 租赁厂房安全管理协议): which letters a year requires,
their coverage per grid and zone, the missing list, and every change of a letter (下发, 签订, 过期).

What a year requires, of the register's units:

* every parcel: its landlord's letter (``landlord``, the parcel the party);
* every active enterprise: its own letter (``enterprise``);
* every multi-tenant parcel (more than one active tenant, 一厂多租): one landlord–tenant agreement per active
  tenant (``tenant_agreement``, the tenant the party, on the parcel it rents).

A required letter is covered when the row of that year and party has status ``signed``. Coverage is counted
in the database (three grouped queries, whatever the size of the register), from the querysets given: a caller
passes the units of its scope (``coverage(year, parcels=…, enterprises=…)``, or ``coverage_for(user, year)``).

Every change goes through the services below: the policy is asked first (accounts.policy, ``LEDGER_RECORD`` on
the party's unit), the row is locked, the transition checked (``TRANSITIONS``):

    not_issued → issued | signed;  issued → signed | expired;  signed → expired;  expired: final

Issuing and expiring are the office's acts (inspectors, managers); a party may record its own signed letter.
"""

from dataclasses import dataclass
from datetime import date

from django.db import IntegrityError, transaction
from django.db.models import Case, Count, Exists, F, IntegerField, OuterRef, Q, Subquery, Value, When
from django.utils import timezone
from django.utils.translation import gettext as _

from accounts.choices import Role
from accounts.policy import Action, has_role, require
from core.errors import NotPermitted, TransitionNotAllowed, ValidationFailed
from core.queries import SubqueryCount
from ledgers.choices import LetterKind, LetterStatus
from ledgers.models import LetterTemplate, ResponsibilityLetter
from register.models import Enterprise, Grid, Parcel, Zone
from register.querysets import active_tenants_of, shared_parcel_ids

TRANSITIONS = {
    LetterStatus.NOT_ISSUED: (LetterStatus.ISSUED, LetterStatus.SIGNED),
    LetterStatus.ISSUED: (LetterStatus.SIGNED, LetterStatus.EXPIRED),
    LetterStatus.SIGNED: (LetterStatus.EXPIRED,),
    LetterStatus.EXPIRED: (),
}
OFFICE_ACTS = (LetterStatus.ISSUED, LetterStatus.EXPIRED)  # 下发 and 过期: the office's, not the party's
SCAN_TYPES = {".pdf": b"%PDF", ".jpg": b"\xff\xd8\xff", ".jpeg": b"\xff\xd8\xff", ".png": b"\x89PNG"}
SCAN_MAX_BYTES = 10 * 1024 * 1024
FIRST_YEAR = 2000


def current_year():
    return timezone.localdate().year


# --- what a year requires ----------------------------------------------------------------------------------


def _signed(year, kind, **party):
    return ResponsibilityLetter.objects.filter(year=year, kind=kind, status=LetterStatus.SIGNED, **party)


def _status_of(year, kind, **party):
    """The status of the party's row of ``year`` (None: no row), as a sub-select."""
    return Subquery(ResponsibilityLetter.objects.filter(year=year, kind=kind, **party).values("status")[:1])


def required_parcels(parcels, year):
    """Parcels with their landlord letter's state (``landlord_signed``, ``landlord_status``) and their tenant
    agreements' (``tenant_count``; ``agreements_required``: the active tenants of a multi-tenant parcel, else 0;
    ``agreements_missing``)."""
    agreements_signed = SubqueryCount(
        _signed(year, LetterKind.TENANT_AGREEMENT, parcel=OuterRef("pk")).filter(
            enterprise__active=True, enterprise__parcel_id=OuterRef("pk")
        )
    )
    return parcels.annotate(
        tenant_count=active_tenants_of(),
        landlord_signed=Exists(_signed(year, LetterKind.LANDLORD, parcel=OuterRef("pk"))),
        landlord_status=_status_of(year, LetterKind.LANDLORD, parcel=OuterRef("pk")),
        agreements_signed=agreements_signed,
    ).annotate(
        agreements_required=Case(When(tenant_count__gt=1, then=F("tenant_count")), default=Value(0)),
        agreements_missing=Case(
            When(tenant_count__gt=1, then=F("tenant_count") - F("agreements_signed")),
            default=Value(0),
            output_field=IntegerField(),
        ),
    )


def letters_missing_q():
    """On ``required_parcels``: the landlord letter is not signed, or a tenant agreement is missing."""
    return Q(landlord_signed=False) | Q(agreements_missing__gt=0)


def required_enterprises(enterprises, year):
    """Active enterprises with their letter's state and, a tenant of a multi-tenant parcel, their agreement's."""
    return enterprises.filter(active=True).annotate(
        parcel_tenants=active_tenants_of("parcel_id"),
        enterprise_signed=Exists(_signed(year, LetterKind.ENTERPRISE, enterprise=OuterRef("pk"))),
        enterprise_status=_status_of(year, LetterKind.ENTERPRISE, enterprise=OuterRef("pk")),
        agreement_signed=Exists(
            _signed(year, LetterKind.TENANT_AGREEMENT, enterprise=OuterRef("pk"), parcel=OuterRef("parcel_id"))
        ),
        agreement_status=_status_of(
            year, LetterKind.TENANT_AGREEMENT, enterprise=OuterRef("pk"), parcel=OuterRef("parcel_id")
        ),
    )


# --- coverage ------------------------------------------------------------------------------------------------


@dataclass
class Coverage:
    """Required and signed letters of one grid, one zone or the whole scope, by kind."""

    landlord_required: int = 0
    landlord_signed: int = 0
    enterprise_required: int = 0
    enterprise_signed: int = 0
    agreement_required: int = 0
    agreement_signed: int = 0
    zone: Zone | None = None
    grid: Grid | None = None

    @property
    def required(self):
        return self.landlord_required + self.enterprise_required + self.agreement_required

    @property
    def signed(self):
        return self.landlord_signed + self.enterprise_signed + self.agreement_signed

    @property
    def missing(self):
        return self.required - self.signed

    @property
    def rate(self):
        """Signed / required in percent, one decimal (None when nothing is required)."""
        return round(100 * self.signed / self.required, 1) if self.required else None

    def add(self, other):
        for name in ("landlord", "enterprise", "agreement"):
            for part in ("required", "signed"):
                field = f"{name}_{part}"
                setattr(self, field, getattr(self, field) + getattr(other, field))


def coverage(year, *, parcels, enterprises):
    """Coverage of ``year`` over these parcels and enterprises (querysets, e.g. ``visible_to(user)``):
    ``{"year", "grids": [Coverage] (every grid with a requirement, in register order), "zones": [Coverage],
    "total": Coverage}``. Four queries whatever the number of units."""
    by_grid = {}

    def row(grid_id):
        return by_grid.setdefault(grid_id, Coverage())

    landlord = (
        required_parcels(parcels, year)
        .order_by()
        .values("grid_id")
        .annotate(required=Count("pk"), signed=Count("pk", filter=Q(landlord_signed=True)))
    )
    for values in landlord:
        item = row(values["grid_id"])
        item.landlord_required, item.landlord_signed = values["required"], values["signed"]
    # An agreement belongs to the parcel's grid (the landlord's side of it), an enterprise's letter to its own.
    own = (
        required_enterprises(enterprises, year)
        .order_by()
        .values("grid_id")
        .annotate(required=Count("pk"), signed=Count("pk", filter=Q(enterprise_signed=True)))
    )
    for values in own:
        item = row(values["grid_id"])
        item.enterprise_required, item.enterprise_signed = values["required"], values["signed"]
    agreements = (
        required_enterprises(enterprises, year)
        .filter(parcel_id__in=shared_parcel_ids())
        .order_by()
        .values("parcel__grid_id")
        .annotate(required=Count("pk"), signed=Count("pk", filter=Q(agreement_signed=True)))
    )
    for values in agreements:
        item = row(values["parcel__grid_id"])
        item.agreement_required, item.agreement_signed = values["required"], values["signed"]
    grids = Grid.objects.filter(pk__in=list(by_grid)).select_related("zone").order_by(*Grid._meta.ordering)
    result_grids, zones, total = [], {}, Coverage()
    for grid in grids:
        item = by_grid[grid.pk]
        item.grid, item.zone = grid, grid.zone
        result_grids.append(item)
        zone = zones.setdefault(grid.zone_id, Coverage(zone=grid.zone))
        zone.add(item)
        total.add(item)
    return {"year": year, "grids": result_grids, "zones": list(zones.values()), "total": total}


def coverage_for(user, year=None):
    """Coverage of ``year`` (default this year) over the units ``user`` may see."""
    return coverage(
        year or current_year(),
        parcels=Parcel.objects.visible_to(user),
        enterprises=Enterprise.objects.visible_to(user),
    )


# --- the missing list ------------------------------------------------------------------------------------------


@dataclass
class Missing:
    """One required letter not signed: its kind, the party's unit, and the state of its row (None: no row)."""

    kind: str
    parcel: Parcel | None
    enterprise: Enterprise | None
    status: str | None
    grid: Grid
    zone: Zone

    @property
    def unit_id(self):
        return self.parcel.pk if self.kind == LetterKind.LANDLORD else self.enterprise.pk

    @property
    def party_name(self):
        if self.kind == LetterKind.LANDLORD:
            return self.parcel.landlord_name or self.parcel.name
        return self.enterprise.name

    @property
    def kind_label(self):
        return LetterKind(self.kind).label

    @property
    def status_label(self):
        return LetterStatus(self.status).label if self.status else _("无记录")


def missing_letters(year, *, parcels, enterprises):
    """Every required letter of ``year`` not signed, over these units, ordered by zone, grid, kind, party.
    Two queries."""
    missing = []
    landlord = (
        required_parcels(parcels, year)
        .filter(landlord_signed=False)
        .select_related("grid__zone")
        .defer("polygon")
        .order_by()
    )
    for parcel in landlord:
        missing.append(
            Missing(LetterKind.LANDLORD, parcel, None, parcel.landlord_status, parcel.grid, parcel.grid.zone)
        )
    tenants = (
        required_enterprises(enterprises, year)
        .filter(Q(enterprise_signed=False) | Q(parcel_id__in=shared_parcel_ids(), agreement_signed=False))
        .select_related("grid__zone", "parcel__grid__zone")
        .defer("parcel__polygon")
        .order_by()
    )
    for enterprise in tenants:
        if not enterprise.enterprise_signed:
            missing.append(
                Missing(
                    LetterKind.ENTERPRISE,
                    enterprise.parcel,
                    enterprise,
                    enterprise.enterprise_status,
                    enterprise.grid,
                    enterprise.grid.zone,
                )
            )
        if enterprise.parcel_tenants > 1 and not enterprise.agreement_signed:
            grid = enterprise.parcel.grid
            missing.append(
                Missing(
                    LetterKind.TENANT_AGREEMENT,
                    enterprise.parcel,
                    enterprise,
                    enterprise.agreement_status,
                    grid,
                    grid.zone,
                )
            )
    kinds = list(LetterKind.values)
    missing.sort(key=lambda m: (m.zone.order, m.zone.name, m.grid.name, kinds.index(m.kind), m.party_name, m.unit_id))
    return missing


def missing_for(user, year=None):
    return missing_letters(
        year or current_year(),
        parcels=Parcel.objects.visible_to(user),
        enterprises=Enterprise.objects.visible_to(user),
    )


# --- validation ------------------------------------------------------------------------------------------------


def _invalid(field, message, code):
    raise ValidationFailed(message, {field: [message]}, code=code)


def clean_year(year):
    try:
        year = int(year)
    except (TypeError, ValueError):
        _invalid("year", _("请填写有效的年度。"), "year_invalid")
    if not FIRST_YEAR <= year <= current_year() + 1:
        _invalid(
            "year",
            _("年度应在 %(first)s 至 %(last)s 之间。") % {"first": FIRST_YEAR, "last": current_year() + 1},
            "year_invalid",
        )
    return year


def party_of(kind, *, parcel=None, enterprise=None):
    """``(parcel, enterprise)`` of a letter's party, checked against its kind: a landlord letter names a parcel
    only; an enterprise letter an enterprise (its parcel with it); an agreement a tenant of a multi-tenant parcel."""
    if kind not in LetterKind.values:
        _invalid("kind", _("未知的责任书类型。"), "kind_invalid")
    if kind == LetterKind.LANDLORD:
        if parcel is None:
            _invalid("parcel", _("房东责任书须指定宗地。"), "parcel_required")
        if enterprise is not None:
            _invalid("enterprise", _("房东责任书不指定企业。"), "enterprise_not_allowed")
        return parcel, None
    if enterprise is None:
        _invalid("enterprise", _("请指定企业。"), "enterprise_required")
    if parcel is not None and parcel.pk != enterprise.parcel_id:
        _invalid("parcel", _("该企业不在此宗地。"), "parcel_mismatch")
    if kind == LetterKind.TENANT_AGREEMENT:
        if enterprise.parcel_id is None or not enterprise.active:
            _invalid("enterprise", _("租赁协议须指定宗地上在营的承租企业。"), "not_a_tenant")
        if not Parcel.objects.filter(pk=enterprise.parcel_id).multi_tenant().exists():
            _invalid("enterprise", _("该宗地不是一厂多租，无需签订租赁厂房安全管理协议。"), "not_multi_tenant")
    return enterprise.parcel, enterprise


def clean_scan(scan):
    """A PDF or an image (JPEG, PNG) of at most 10 MB, told by its first bytes as well as its name."""
    if not scan:
        return None
    name = (getattr(scan, "name", "") or "").lower()
    suffix = "." + name.rsplit(".", 1)[-1] if "." in name else ""
    magic = SCAN_TYPES.get(suffix)
    if magic is None:
        _invalid("scan", _("扫描件须为 PDF、JPG 或 PNG 文件。"), "scan_type")
    if scan.size > SCAN_MAX_BYTES:
        _invalid("scan", _("扫描件不能超过 10 MB。"), "scan_too_large")
    scan.seek(0)
    head = scan.read(len(magic))
    scan.seek(0)
    if head != magic:
        _invalid("scan", _("扫描件的内容与文件类型不符。"), "scan_type")
    return scan


def _clean_dates(letter, *, issued_on=None, signed_on=None):
    today = timezone.localdate()
    for field, value in (("issued_on", issued_on), ("signed_on", signed_on)):
        if value is None:
            continue
        if not isinstance(value, date):
            _invalid(field, _("请填写有效的日期。"), f"{field}_invalid")
        if value > today:
            _invalid(field, _("日期不能晚于今天。"), f"{field}_future")
        if value.year < letter.year - 1 or value.year > letter.year:
            _invalid(
                field,
                _("日期应在 %(year)s 年度内（或上一年末提前签订）。") % {"year": letter.year},
                f"{field}_out_of_year",
            )
    issued = issued_on or letter.issued_on
    if signed_on is not None and issued is not None and signed_on < issued:
        _invalid("signed_on", _("签订日期不能早于下发日期。"), "signed_before_issued")


# --- services ---------------------------------------------------------------------------------------------------


def _unit(letter):
    return letter.parcel if letter.kind == LetterKind.LANDLORD else letter.enterprise


def _require(actor, letter, status):
    require(actor, Action.LEDGER_RECORD, _unit(letter))
    if status in OFFICE_ACTS and not has_role(actor, (Role.INSPECTOR, Role.MANAGER)):
        raise NotPermitted(str(_("下发和过期由网格员或交办/安监人员办理。")), code="office_only")


def _check_transition(letter, status):
    if status not in LetterStatus.values:
        _invalid("status", _("未知的状态。"), "status_invalid")
    if status not in TRANSITIONS[LetterStatus(letter.status)]:
        raise TransitionNotAllowed(
            str(_("责任书当前状态为“%(from)s”，不能改为“%(to)s”。"))
            % {"from": letter.get_status_display(), "to": LetterStatus(status).label},
            code="transition_not_allowed",
        )


def _default_template(kind):
    return LetterTemplate.objects.filter(kind=kind, active=True).order_by("code").first()


def party_q(kind, parcel=None, enterprise=None):
    if kind == LetterKind.LANDLORD:
        return Q(parcel=parcel, enterprise=None)
    if kind == LetterKind.ENTERPRISE:
        return Q(enterprise=enterprise)
    return Q(enterprise=enterprise, parcel=parcel if parcel is not None else enterprise.parcel)


def letter_for(year, kind, *, parcel=None, enterprise=None, for_update=False):
    """The party's row of ``year`` (None when there is none): a landlord letter's by its parcel, an enterprise
    letter's by its enterprise, an agreement's by the tenant and the parcel (the tenant's, when not given)."""
    queryset = ResponsibilityLetter.objects.filter(year=year, kind=kind).filter(party_q(kind, parcel, enterprise))
    if for_update:
        queryset = queryset.select_for_update()
    return queryset.order_by("pk").first()


@transaction.atomic
def record_letter(
    *,
    actor,
    year,
    kind,
    status,
    parcel=None,
    enterprise=None,
    template=None,
    issued_on=None,
    signatory="",
    signed_on=None,
    scan=None,
    notes="",
):
    """Issue (``status="issued"``), record signed (``"signed"``) or expire the letter of a party and year: the
    row is made when there is none yet (``not_issued``), then moved to ``status``. Returns the letter."""
    year = clean_year(year)
    parcel, enterprise = party_of(kind, parcel=parcel, enterprise=enterprise)
    unit = parcel if kind == LetterKind.LANDLORD else enterprise
    require(actor, Action.LEDGER_RECORD, unit)
    # The party's unit is locked: the unique constraint does not hold a row with no enterprise (NULL) to one.
    type(unit).objects.select_for_update().filter(pk=unit.pk).first()
    letter = letter_for(year, kind, parcel=parcel, enterprise=enterprise, for_update=True)
    if letter is None:
        # An enterprise's letter is its grid's; a landlord letter and an agreement the parcel's.
        grid = enterprise.grid if kind == LetterKind.ENTERPRISE else parcel.grid
        letter = ResponsibilityLetter(
            year=year,
            kind=kind,
            parcel=parcel,
            enterprise=enterprise,
            grid=grid,
            zone_id=grid.zone_id,
            template=template or _default_template(kind),
        )
        _check_transition(letter, status)
        _require(actor, letter, status)
        try:
            with transaction.atomic():
                letter.save()
        except IntegrityError:
            letter = letter_for(year, kind, parcel=parcel, enterprise=enterprise, for_update=True)
    elif template is not None:
        letter.template = template
    return _move(
        letter,
        actor=actor,
        status=status,
        issued_on=issued_on,
        signatory=signatory,
        signed_on=signed_on,
        scan=scan,
        notes=notes,
    )


@transaction.atomic
def change_letter(letter, *, actor, status, **values):
    """Move an existing letter to ``status`` (issued, signed, expired) with its values."""
    _require(actor, letter, status)
    letter = ResponsibilityLetter.objects.select_for_update().get(pk=letter.pk)
    return _move(letter, actor=actor, status=status, **values)


def _move(letter, *, actor, status, issued_on=None, signatory="", signed_on=None, scan=None, notes=""):
    _require(actor, letter, status)
    _check_transition(letter, status)
    scan = clean_scan(scan)
    today = timezone.localdate()
    if status == LetterStatus.ISSUED:
        issued_on = issued_on or today
        _clean_dates(letter, issued_on=issued_on)
        letter.issued_on = issued_on
    elif status == LetterStatus.SIGNED:
        signatory = (signatory or "").strip()
        if not signatory:
            _invalid("signatory", _("请填写签订人。"), "signatory_required")
        if signed_on is None:
            _invalid("signed_on", _("请填写签订日期。"), "signed_on_required")
        _clean_dates(letter, signed_on=signed_on)
        letter.signatory, letter.signed_on = signatory[:100], signed_on
        if letter.issued_on is None:
            letter.issued_on = signed_on
    if scan is not None:
        letter.scan.save(scan.name.rsplit("/", 1)[-1], scan, save=False)
    if notes:
        letter.notes = notes.strip()
    letter.status = status
    letter.updated_by = actor
    letter.save()
    return letter


def issue_letter(*, actor, year, kind, parcel=None, enterprise=None, issued_on=None, template=None, notes=""):
    """下发: the party's letter of ``year`` goes out to be signed."""
    return record_letter(
        actor=actor,
        year=year,
        kind=kind,
        status=LetterStatus.ISSUED,
        parcel=parcel,
        enterprise=enterprise,
        issued_on=issued_on,
        template=template,
        notes=notes,
    )


def sign_letter(*, actor, year, kind, signatory, signed_on, parcel=None, enterprise=None, scan=None, notes=""):
    """签订: the party signed (who, on which day, the scan)."""
    return record_letter(
        actor=actor,
        year=year,
        kind=kind,
        status=LetterStatus.SIGNED,
        parcel=parcel,
        enterprise=enterprise,
        signatory=signatory,
        signed_on=signed_on,
        scan=scan,
        notes=notes,
    )


def expire_letter(letter, *, actor, notes=""):
    """过期: the letter no longer holds (the party changed, the term ended)."""
    return change_letter(letter, actor=actor, status=LetterStatus.EXPIRED, notes=notes)
