"""The letters' wording (data: offices change it in the admin)."""

from django.db import migrations

TEMPLATES = (
    (
        "landlord",
        "landlord",
        "房东安全生产责任书",
        "出租方对所出租厂房的消防和安全生产条件负责，不得将厂房出租给不具备安全生产条件的单位；"
        "与承租方签订安全管理协议，明确各自的安全生产职责；定期检查承租方的安全生产情况，"
        "发现隐患及时督促整改并报告属地网格。",
    ),
    (
        "enterprise",
        "enterprise",
        "企业安全生产承诺书",
        "本单位主要负责人是安全生产第一责任人，承诺落实全员安全生产责任制，"
        "开展隐患自查自纠，按期整改发现的隐患，组织员工消防安全培训和应急演练。",
    ),
    (
        "tenant_agreement",
        "tenant_agreement",
        "租赁厂房安全管理协议",
        "出租方与承租方约定：出租方负责厂房结构、公共消防设施和公共区域的安全；"
        "承租方负责其生产经营场所内的安全生产；双方共同配合属地网格的检查和隐患整改。",
    ),
)


def load(apps, schema_editor):
    Template = apps.get_model("ledgers", "LetterTemplate")
    for code, kind, name, body in TEMPLATES:
        Template.objects.get_or_create(code=code, defaults={"kind": kind, "name": name, "body": body})


def unload(apps, schema_editor):
    apps.get_model("ledgers", "LetterTemplate").objects.filter(code__in=[t[0] for t in TEMPLATES]).delete()


class Migration(migrations.Migration):
    dependencies = [("ledgers", "0001_initial")]
    operations = [migrations.RunPython(load, unload)]
