"""Writing the checked rows: enterprises in batches (matched by credit code or by name and place, risk tags
included) and the parcels once at the end.
"""

from collections import defaultdict

from django.utils import timezone
from django.utils.translation import gettext as _

from core.queries import chunks
from register.importing.columns import ENTERPRISE_UPDATE_FIELDS
from register.models import Enterprise, Parcel


class BatchWriting:
    """The writing steps of RegisterImporter (mixed into it)."""

    def _flush(self):
        """Write the new parcels, then the batch of checked rows: enterprises created or updated, risk tags."""
        self._write_new_parcels()
        batch, self._batch = self._batch, []
        if not batch:
            return
        for _number, data in batch:
            state = data.pop("parcel_state")
            if state is not None:  # no 宗地编号: an enterprise keeps the parcel it has
                data["parcel_id"] = state.pk

        by_code, by_place = self._existing(batch)
        tags_of = self._tags_of([e.pk for e in by_code.values()] + [e.pk for es in by_place.values() for e in es])
        now = timezone.now()
        to_create, new_tags, to_update, changed_tags = [], [], [], {}
        counts = self.summary.counts["enterprise"]
        for number, data in batch:
            existing = self._match(number, data, by_code, by_place)
            if existing is False:
                continue
            tags = data.pop("risk_tags", None)
            if existing is None:
                to_create.append(Enterprise(**data))
                new_tags.append(tags or ())
                counts["created"] += 1
            elif self._apply(existing, data, tags, tags_of, changed_tags):
                existing.updated_at = now
                to_update.append(existing)
                counts["updated"] += 1
            else:
                counts["unchanged"] += 1
        self._write_enterprises(to_create, new_tags, to_update, changed_tags)

    def _write_new_parcels(self):
        if not self._new_parcels:
            return
        parcels = [Parcel(code=s.code, grid_id=s.grid_id, **s.model_values()) for s in self._new_parcels]
        Parcel.objects.bulk_create(parcels, batch_size=self.batch_size)
        for state, parcel in zip(self._new_parcels, parcels, strict=True):
            state.pk = parcel.pk
            state.original = (state.grid_id, *state.values)  # later rows may still fill in values
        self._new_parcels = []

    @staticmethod
    def _tags_of(enterprise_ids):
        """The risk tags the register holds for these enterprises: {enterprise id: {tag, …}}."""
        tags_of = defaultdict(set)
        through = Enterprise.risk_tags.through
        for chunk in chunks(enterprise_ids):
            for enterprise_id, tag in through.objects.filter(enterprise_id__in=chunk).values_list(
                "enterprise_id", "risktagoption_id"
            ):
                tags_of[enterprise_id].add(tag)
        return tags_of

    @staticmethod
    def _apply(existing, data, tags, tags_of, changed_tags):
        """Set the row's values on the enterprise; True when anything changed (its tags go to ``changed_tags``)."""
        changed = False
        for name, value in data.items():
            if getattr(existing, name) != value:
                setattr(existing, name, value)
                changed = True
        if tags is not None and tags != tags_of[existing.pk]:
            changed_tags[existing.pk] = tags
            changed = True
        return changed

    def _write_enterprises(self, to_create, new_tags, to_update, changed_tags):
        through = Enterprise.risk_tags.through
        Enterprise.objects.bulk_create(to_create, batch_size=self.batch_size)
        if to_update:
            Enterprise.objects.bulk_update(to_update, ENTERPRISE_UPDATE_FIELDS, batch_size=self.batch_size)
        for chunk in chunks(changed_tags):
            through.objects.filter(enterprise_id__in=chunk).delete()
        links = [
            through(enterprise_id=e.pk, risktagoption_id=t)
            for e, tags in zip(to_create, new_tags, strict=True)
            for t in tags
        ]
        links += [through(enterprise_id=pk, risktagoption_id=t) for pk, tags in changed_tags.items() for t in tags]
        through.objects.bulk_create(links, batch_size=self.batch_size * 5)

    def _existing(self, batch):
        """Enterprises of the register this batch may refer to: by credit code and by (name, place)."""
        codes = {data["credit_code"] for _n, data in batch if data.get("credit_code")}
        by_code = {}
        for chunk in chunks(codes):
            by_code.update((e.credit_code, e) for e in Enterprise.objects.filter(credit_code__in=chunk))
        names = {data["name"] for _n, data in batch if data.get("credit_code") not in by_code}
        by_place = defaultdict(list)
        for chunk in chunks(names):
            for enterprise in Enterprise.objects.filter(name__in=chunk).order_by("pk"):
                by_place[self._place(enterprise.name, enterprise.parcel_id, enterprise.grid_id)].append(enterprise)
        return by_code, by_place

    @staticmethod
    def _place(name, parcel_id, grid_id):
        return (name, "parcel", parcel_id) if parcel_id else (name, "grid", grid_id)

    def _match(self, number, data, by_code, by_place):
        """The enterprise this row updates, None for a new one, False when the row is a problem."""
        code = data.get("credit_code")
        existing = by_code.get(code) if code else None
        by_name = existing is None
        if by_name:
            candidates = by_place.get(self._place(data["name"], data.get("parcel_id"), data["grid_id"]), [])
            if code:  # a new code may fill in the one an enterprise registered without a code lacks
                candidates = [e for e in candidates if not e.credit_code]
            if len(candidates) > 1:
                self._problem(
                    number,
                    "name",
                    data["name"],
                    _("登记簿中此处有%(n)d家同名企业，无法确定是哪一家：请填写统一社会信用代码。")
                    % {"n": len(candidates)},
                )
                return False
            existing = candidates[0] if candidates else None
        if existing is None:
            return None
        # Two rows must not update one enterprise: one matched by name, the other by name or by its code.
        if by_name:
            row = self._codes_in_file.get(existing.credit_code, number) if existing.credit_code else number
            if row == number:
                row = self._matched.setdefault(existing.pk, number)
        else:
            row = self._matched.get(existing.pk, number)
        if row != number:
            self._problem(number, "name", data["name"], _("与第%(row)d行指向登记簿中的同一家企业。") % {"row": row})
            return False
        return existing

    def _finish_parcels(self):
        counts = self.summary.counts
        to_update = []
        moved = defaultdict(list)  # new grid id -> parcels moved there
        now = timezone.now()
        for state in self._parcels.values():
            if state.first_row is None:
                continue
            if state.created and not state.values[0]:
                self._problem(state.first_row, "parcel_code", state.code, _("新宗地须填写宗地名称。"))
                continue
            changed = state.changed()
            counts["parcel"]["created" if state.created else "updated" if changed else "unchanged"] += 1
            if changed:
                if state.grid_id != state.original[0]:
                    moved[state.grid_id].append(state.pk)
                to_update.append(Parcel(pk=state.pk, grid_id=state.grid_id, updated_at=now, **state.model_values()))
        if to_update:
            Parcel.objects.bulk_update(
                to_update,
                ["grid", "name", "address", "landlord_name", "landlord_phone", "updated_at"],
                batch_size=self.batch_size,
            )
        for grid_id, pks in moved.items():  # tenants follow their parcel into its new grid
            Enterprise.objects.filter(parcel_id__in=pks).exclude(grid_id=grid_id).update(
                grid_id=grid_id, updated_at=now
            )
        counts["zone"]["created"] = len(self._zones_created)
        counts["zone"]["unchanged"] = len(self._zones_seen - self._zones_created)
        counts["grid"]["created"] = len(self._grids_created)
        counts["grid"]["unchanged"] = len(self._grids_seen - self._grids_created)
