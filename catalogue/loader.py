"""The shipped hazard catalogue (隐患类别) and checklists (检查表), loaded from data files.

The data lives in ``catalogue/data/categories.json`` and ``catalogue/data/checklists.json``,
edited as data (not code). ``load_catalogue`` is applied by the data migration
``catalogue/migrations/0002_catalogue.py`` (with historical models) and re-applied by
``manage.py load_catalogue``. Rows are matched by code (categories, checklists) and by
(checklist, order) (checklist items): loading twice changes nothing, and a row an admin
switched off (``active``) stays off.

Codes: ``P..`` parcel-level categories (the landlord answers for them: illegal construction,
"三合一" living, fire passages, the landlord's duties to tenants), ``E..`` enterprise-level.
``default_severity`` is ``major`` where the 2023 national criteria (《工贸企业重大事故隐患判定
标准》, 应急管理部令第10号) or the fire rules single the situation out as a major hazard.
Values of ``level``, ``default_severity``, ``accident_type`` and ``risk_tag`` are choice codes
(tests check them), kept as strings so that renaming an enum cannot break the migration.
"""

import json
from collections import Counter
from pathlib import Path

DATA_DIR = Path(__file__).resolve().parent / "data"

CATEGORY_FIELDS = (
    "name",
    "level",
    "default_severity",
    "deadline_days",
    "accident_type",
    "legal_basis",
    "standard_measures",
)
CHECKLIST_FIELDS = ("name", "unit_kind", "for_parcel", "is_self_check")


def read_catalogue(data_dir=DATA_DIR):
    """(categories, checklists) as lists of dicts, from the data files."""
    data_dir = Path(data_dir)
    categories = json.loads((data_dir / "categories.json").read_text(encoding="utf-8"))
    checklists = json.loads((data_dir / "checklists.json").read_text(encoding="utf-8"))
    return categories, checklists


CATEGORIES, CHECKLISTS = read_catalogue()


def _upsert(model, lookup, values, stats, kind):
    """update_or_create that saves only when something differs, and counts what it did."""
    obj = model.objects.filter(**lookup).first()
    if obj is None:
        obj = model.objects.create(**lookup, **values)
        stats[f"{kind}_created"] += 1
        return obj
    changed = [field for field, value in values.items() if getattr(obj, field) != value]
    if changed:
        for field in changed:
            setattr(obj, field, values[field])
        obj.save(update_fields=[field.removesuffix("_id") if field.endswith("_id") else field for field in changed])
        stats[f"{kind}_updated"] += 1
    else:
        stats[f"{kind}_unchanged"] += 1
    return obj


def load_catalogue(HazardCategory, Checklist, ChecklistItem, RiskTagOption, data_dir=DATA_DIR):  # noqa: N803
    """Create or update the shipped categories and checklists; return counts by what happened.

    Pass the models to use: ``apps.get_model(...)`` in a migration, the real ones elsewhere.
    Idempotent: a second run reports everything unchanged and writes nothing.
    """
    categories, checklists = read_catalogue(data_dir)
    stats = Counter()
    tags = {spec["risk_tag"] for spec in categories + checklists if spec["risk_tag"]}
    for code in sorted(tags):
        RiskTagOption.objects.get_or_create(code=code)

    category_ids = {}
    for position, spec in enumerate(categories, start=1):
        values = {field: spec[field] for field in CATEGORY_FIELDS}
        values["risk_tag_id"] = spec["risk_tag"]
        values["order"] = position * 10
        category = _upsert(HazardCategory, {"code": spec["code"]}, values, stats, "categories")
        category_ids[spec["code"]] = category.pk

    for spec in checklists:
        values = {field: spec[field] for field in CHECKLIST_FIELDS}
        values["risk_tag_id"] = spec["risk_tag"]
        checklist = _upsert(Checklist, {"code": spec["code"]}, values, stats, "checklists")
        for position, item in enumerate(spec["items"], start=1):
            _upsert(
                ChecklistItem,
                {"checklist_id": checklist.pk, "order": position * 10},
                {"text": item["text"], "category_id": category_ids[item["category"]]},
                stats,
                "items",
            )
    return stats
