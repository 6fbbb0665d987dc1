"""The departments that answer and the categories of requests, as the source's park set them up (data:
offices change them in the admin)."""

from django.db import migrations

DEPARTMENTS = (
    ("power", "供电所", 1),
    ("roads", "建设交通局", 2),
    ("permits", "行政审批服务中心", 3),
    ("fire", "消防救援大队", 4),
    ("office", "开发区综合办公室", 5),
)
CATEGORIES = (
    ("power", "供电用电", "power", 7, 1),
    ("road", "道路交通", "roads", 15, 2),
    ("permits", "审批许可", "permits", 10, 3),
    ("fire_water", "消防用水", "fire", 7, 4),
    ("other", "其他", "office", 10, 5),
)


def load(apps, schema_editor):
    Department = apps.get_model("accounts", "Department")
    Category = apps.get_model("servicedesk", "ServiceCategory")
    departments = {}
    for code, name, order in DEPARTMENTS:
        departments[code], _created = Department.objects.get_or_create(code=code, defaults={"name": name, "order": order})
    for code, name, department, days, order in CATEGORIES:
        Category.objects.get_or_create(
            code=code,
            defaults={"name": name, "department": departments[department], "time_limit_days": days, "order": order},
        )


def unload(apps, schema_editor):
    apps.get_model("servicedesk", "ServiceCategory").objects.filter(code__in=[c[0] for c in CATEGORIES]).delete()


class Migration(migrations.Migration):
    dependencies = [("servicedesk", "0001_initial")]
    operations = [migrations.RunPython(load, unload)]
