"""Ship the hazard catalogue and checklists (data in inspections/catalogue.py)."""

from django.db import migrations


def load(apps, schema_editor):
    from inspections.catalogue import load_catalogue

    load_catalogue(
        apps.get_model("inspections", "HazardCategory"),
        apps.get_model("inspections", "Checklist"),
        apps.get_model("inspections", "ChecklistItem"),
        apps.get_model("enterprises", "RiskTagOption"),
    )


class Migration(migrations.Migration):
    dependencies = [
        ("inspections", "0001_initial"),
        ("enterprises", "0002_risk_tags"),
    ]

    # Reversing keeps the rows: hazards and inspections may already point at them.
    operations = [migrations.RunPython(load, migrations.RunPython.noop)]
