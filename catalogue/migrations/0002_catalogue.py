"""Ship the hazard catalogue and checklists as they were when this migration was written.

Frozen: the data is the copy in ``catalogue/migrations/data/`` and the loader is written out here,
touching only fields that exist at this migration. Later changes of the catalogue are applied by
``manage.py load_catalogue`` (which reads ``catalogue/data/``) or by a new migration.
"""

import json
from pathlib import Path

from django.db import migrations

DATA = Path(__file__).resolve().parent / "data"
CATEGORY_FIELDS = ("name", "level", "default_severity", "deadline_days", "accident_type", "legal_basis",
                   "standard_measures")
CHECKLIST_FIELDS = ("name", "unit_kind", "for_parcel", "is_self_check")


def load(apps, schema_editor):
    HazardCategory = apps.get_model("catalogue", "HazardCategory")
    Checklist = apps.get_model("catalogue", "Checklist")
    ChecklistItem = apps.get_model("catalogue", "ChecklistItem")
    RiskTagOption = apps.get_model("register", "RiskTagOption")
    categories = json.loads((DATA / "categories.json").read_text(encoding="utf-8"))
    checklists = json.loads((DATA / "checklists.json").read_text(encoding="utf-8"))
    for code in sorted({spec["risk_tag"] for spec in categories + checklists if spec["risk_tag"]}):
        RiskTagOption.objects.get_or_create(code=code)
    ids = {}
    for position, spec in enumerate(categories, start=1):
        values = {field: spec[field] for field in CATEGORY_FIELDS}
        category, _created = HazardCategory.objects.update_or_create(
            code=spec["code"], defaults={**values, "risk_tag_id": spec["risk_tag"], "order": position * 10}
        )
        ids[spec["code"]] = category.pk
    for spec in checklists:
        values = {field: spec[field] for field in CHECKLIST_FIELDS}
        checklist, _created = Checklist.objects.update_or_create(
            code=spec["code"], defaults={**values, "risk_tag_id": spec["risk_tag"]}
        )
        for position, item in enumerate(spec["items"], start=1):
            ChecklistItem.objects.update_or_create(
                checklist_id=checklist.pk, order=position * 10,
                defaults={"text": item["text"], "category_id": ids[item["category"]]},
            )


class Migration(migrations.Migration):
    dependencies = [
        ("catalogue", "0001_initial"),
        ("register", "0002_risk_tags"),
    ]

    # Reversing keeps the rows: hazards and inspections may already point at them.
    operations = [migrations.RunPython(load, migrations.RunPython.noop)]
