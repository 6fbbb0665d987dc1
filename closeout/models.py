from django.conf import settings
from django.db import models
from django.db.models import F, Q
from django.utils import timezone
from django.utils.translation import gettext_lazy as _

from cases.models import Inspection
from closeout.choices import CrossCheckStatus
from closeout.querysets import CrossCheckQuerySet, MapQuerySet
from register.models import Parcel, Zone

User = settings.AUTH_USER_MODEL


class CrossCheck(models.Model):
    """A request that an inspector of another grid checks a parcel before close-out."""

    parcel = models.ForeignKey(Parcel, on_delete=models.PROTECT, related_name="crosschecks", verbose_name=_("宗地"))
    requested_by = models.ForeignKey(
        User, on_delete=models.PROTECT, related_name="requested_crosschecks", verbose_name=_("申请人")
    )
    requested_at = models.DateTimeField(_("申请时间"), default=timezone.now)
    inspector = models.ForeignKey(
        User, on_delete=models.PROTECT, related_name="crosschecks", verbose_name=_("交叉检查人")
    )
    status = models.CharField(
        _("状态"), max_length=16, choices=CrossCheckStatus.choices, default=CrossCheckStatus.REQUESTED
    )
    inspection = models.OneToOneField(
        Inspection,
        on_delete=models.PROTECT,
        null=True,
        blank=True,
        related_name="crosscheck",
        verbose_name=_("检查记录"),
    )
    completed_at = models.DateTimeField(_("完成时间"), null=True, blank=True)
    comment = models.TextField(_("意见"), blank=True)

    objects = CrossCheckQuerySet.as_manager()
    scope_paths = {
        "zone": "parcel__grid__zone_id",
        "grid": "parcel__grid_id",
        "enterprise": lambda ids: Q(parcel__tenants__in=ids),
        "parcel": "parcel_id",
        # the cross-checking inspector keeps seeing the cross-checks sent to them, open or done
        "assigned_inspector": "inspector_id",
    }

    class Meta:
        ordering = ["-requested_at"]
        verbose_name = _("交叉检查")
        verbose_name_plural = _("交叉检查")
        constraints = [
            models.UniqueConstraint(
                fields=["parcel"], condition=Q(status="requested"), name="crosscheck_one_open_per_parcel"
            )
        ]

    def __str__(self):
        return f"{self.parcel} {self.get_status_display()}"


# --- the map's cells (closeout.map_cells) --------------------------------------------------------------


class MapParcel(models.Model):
    """A parcel as the map's cells last counted it: its zone, close-out state, risk level and point, and its code
    and open hazards for the map's red list. The cells are these rows added up; a parcel that changed is taken
    out of its old cells and added to its new ones."""

    parcel = models.OneToOneField(
        Parcel,
        on_delete=models.DO_NOTHING,
        primary_key=True,
        db_constraint=False,
        related_name="+",
        verbose_name=_("宗地"),
    )
    zone = models.ForeignKey(  # (served by the key index below, which starts with it)
        Zone, on_delete=models.DO_NOTHING, db_constraint=False, db_index=False, related_name="+", verbose_name=_("区块")
    )
    state = models.CharField(_("销号状态"), max_length=16)
    risk_level = models.PositiveSmallIntegerField(_("风险等级"))
    latitude = models.FloatField(_("纬度"), null=True)
    longitude = models.FloatField(_("经度"), null=True)
    code = models.CharField(_("宗地编号"), max_length=64)
    open_hazards = models.PositiveIntegerField(_("未整改隐患"))
    crosscheck = models.BooleanField(_("交叉检查中"), default=False)
    closed_out = models.BooleanField(_("已销号"), default=False)

    objects = MapQuerySet.as_manager()
    scope_paths = {"zone": "zone_id", "parcel": "parcel_id"}

    class Meta:
        verbose_name = _("地图计入的宗地")
        verbose_name_plural = _("地图计入的宗地")
        indexes = [
            models.Index(fields=["zone", "state", "risk_level"], name="closeout_mapparcel_key_idx"),
            # the red list: most open hazards first, then by code, read down to its length
            models.Index(F("open_hazards").desc(), "code", name="closeout_mapparcel_red_idx"),
        ]

    def __str__(self):
        return f"{self.parcel_id} {self.state}"


class MapCell(models.Model):
    """The parcels of one zone in one close-out state and risk level, counted per map cell: at ``level`` z
    (0–14) the square cells the map clusters in at zoom z (``closeout.map_cells.cell_size``), at level -1
    (``ZONE_LEVEL``) the whole zone, located or not, with the bounds of its located parcels. A cell that empties
    stays, with n 0, unread."""

    zone = models.ForeignKey(
        Zone, on_delete=models.DO_NOTHING, db_constraint=False, db_index=False, related_name="+", verbose_name=_("区块")
    )
    level = models.SmallIntegerField(_("缩放级别"))
    row = models.IntegerField(_("行"))
    col = models.IntegerField(_("列"))
    state = models.CharField(_("销号状态"), max_length=16)
    risk_level = models.PositiveSmallIntegerField(_("风险等级"))
    n = models.IntegerField(_("宗地数"))
    located = models.IntegerField(_("有坐标的宗地数"))
    lat_sum = models.FloatField()  # of the located ones
    lng_sum = models.FloatField()
    id_sum = models.BigIntegerField()  # the parcel's id when n is 1
    south = models.FloatField(null=True)  # level -1 only
    north = models.FloatField(null=True)
    west = models.FloatField(null=True)
    east = models.FloatField(null=True)
    crosscheck = models.IntegerField(_("交叉检查中"), default=0)  # level -1 only: the stored close-out state
    closed_out = models.IntegerField(_("已销号"), default=0)

    objects = MapQuerySet.as_manager()
    scope_paths = {"zone": "zone_id"}  # a scope of whole zones only (accounts.scoping.scope_is_zones)

    class Meta:
        verbose_name = _("地图汇总格")
        verbose_name_plural = _("地图汇总格")
        constraints = [
            models.UniqueConstraint(
                fields=["zone", "level", "row", "col", "state", "risk_level"], name="closeout_mapcell_key"
            )
        ]
        # (the key's index serves a zone; no index holds a count, so a change rewrites a cell in place: HOT)
        indexes = [models.Index(fields=["level", "zone"], name="closeout_mapcell_level_idx")]

    def __str__(self):
        return f"{self.zone_id}/{self.level}/{self.row},{self.col} {self.state} {self.risk_level}: {self.n}"


class MapChange(models.Model):
    """A parcel whose state, place or zone may have changed since the cells counted it: written by the database's
    triggers (migration 0003), read and emptied by ``closeout.map_cells.catch_up``."""

    parcel_id = models.BigIntegerField(_("宗地ID"))

    scope_paths = {"parcel": "parcel_id"}

    class Meta:
        verbose_name = _("待计入地图的宗地变化")
        verbose_name_plural = _("待计入地图的宗地变化")

    def __str__(self):
        return str(self.parcel_id)
