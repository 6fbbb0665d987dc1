from django.db import migrations

RISK_TAGS = ["spraying", "metal_dust", "confined_space", "lithium", "welding", "old_wiring"]


def add_tags(apps, schema_editor):
    RiskTagOption = apps.get_model("register", "RiskTagOption")
    for code in RISK_TAGS:
        RiskTagOption.objects.get_or_create(code=code)


class Migration(migrations.Migration):
    dependencies = [("register", "0001_initial")]
    operations = [migrations.RunPython(add_tags, migrations.RunPython.noop)]
