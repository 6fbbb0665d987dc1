from io import StringIO

import pytest
from django.core.management import call_command
from django.forms.models import model_to_dict

from catalogue.choices import AccidentType, CategoryLevel, Severity
from catalogue.loader import CATEGORIES, CHECKLISTS, load_catalogue
from catalogue.models import Checklist, ChecklistItem, HazardCategory
from register.choices import EnterpriseKind, RiskTag
from register.models import RiskTagOption

SHIPPED_CODES = {spec["code"] for spec in CATEGORIES}


def snapshot():
    return (
        [model_to_dict(row) for row in HazardCategory.objects.order_by("pk")],
        [model_to_dict(row) for row in Checklist.objects.order_by("pk")],
        [model_to_dict(row) for row in ChecklistItem.objects.order_by("pk")],
    )


def load():
    return load_catalogue(HazardCategory, Checklist, ChecklistItem, RiskTagOption)


def test_migration_ships_at_least_25_categories_with_measures_and_legal_basis(db):
    shipped = HazardCategory.objects.filter(code__in=SHIPPED_CODES)

    assert shipped.count() == len(SHIPPED_CODES) >= 25
    for category in shipped:
        assert category.name and category.active, category.code
        assert len(category.standard_measures) > 20, category.code
        assert "《" in category.legal_basis, category.code
        assert 3 <= category.deadline_days <= 30, category.code
        assert category.accident_type in AccidentType.values, category.code
    assert set(shipped.values_list("level", flat=True)) == {CategoryLevel.PARCEL, CategoryLevel.ENTERPRISE}
    assert set(shipped.values_list("default_severity", flat=True)) == {Severity.GENERAL, Severity.MAJOR}


def test_codes_say_the_level(db):
    for category in HazardCategory.objects.filter(code__in=SHIPPED_CODES):
        expected = CategoryLevel.PARCEL if category.code.startswith("P") else CategoryLevel.ENTERPRISE
        assert category.level == expected, category.code


def test_data_uses_only_known_choice_values():
    for spec in CATEGORIES:
        assert spec["level"] in CategoryLevel.values
        assert spec["default_severity"] in Severity.values
        assert spec["accident_type"] in AccidentType.values
        assert spec["risk_tag"] is None or spec["risk_tag"] in RiskTag.values
    for spec in CHECKLISTS:
        assert spec["unit_kind"] == "" or spec["unit_kind"] in EnterpriseKind.values
        assert spec["risk_tag"] is None or spec["risk_tag"] in RiskTag.values
    assert len(SHIPPED_CODES) == len(CATEGORIES), "category codes must be unique"


@pytest.mark.parametrize(
    ("code", "words"),
    [
        ("P01", "违章搭建"),
        ("P02", "三合一"),
        ("P03", "消防车通道"),
        ("P04", "承租单位"),
    ],
)
def test_the_sources_parcel_problems_are_parcel_level(db, code, words):
    category = HazardCategory.objects.get(code=code)

    assert words in category.name
    assert category.level == CategoryLevel.PARCEL


def test_major_hazards_of_the_2023_criteria_default_to_major(db):
    major = HazardCategory.objects.filter(default_severity=Severity.MAJOR)
    names = " ".join(major.values_list("name", flat=True))

    for words in ("粉尘", "除尘系统", "有限空间作业未审批", "危险化学品", "三合一", "特种作业人员", "承租单位"):
        assert words in names
    for category in major.exclude(code="P02"):
        assert "重大事故隐患判定标准" in category.legal_basis or "危险化学品" in category.legal_basis, category.code


def test_risk_tagged_categories_cover_every_risk_tag(db):
    tagged = set(HazardCategory.objects.exclude(risk_tag=None).values_list("risk_tag", flat=True))

    assert tagged == set(RiskTag.values)


def test_every_checklist_item_raises_an_existing_category(db):
    assert ChecklistItem.objects.count() == sum(len(spec["items"]) for spec in CHECKLISTS)
    for spec in CHECKLISTS:
        for item in spec["items"]:
            assert item["category"] in SHIPPED_CODES
    assert not ChecklistItem.objects.exclude(category__in=HazardCategory.objects.all()).exists()


def test_required_checklists_are_shipped(db):
    self_check = Checklist.objects.get(is_self_check=True)
    assert self_check.name == "企业主履职自查表"
    parcel = Checklist.objects.get(for_parcel=True)
    assert parcel.name == "一厂多租宗地检查表"
    parcel_levels = set(parcel.items.values_list("category__level", flat=True))
    assert parcel_levels == {CategoryLevel.PARCEL}
    assert Checklist.objects.get(unit_kind=EnterpriseKind.SMALL_PREMISES).name == "两房一店检查表"
    for tag in RiskTag.values:
        checklist = Checklist.objects.get(risk_tag=tag)
        assert 4 <= checklist.items.count() <= 8, tag


def test_loading_again_changes_nothing(db):
    before = snapshot()

    stats = load()

    assert snapshot() == before
    assert stats["categories_created"] == stats["categories_updated"] == 0
    assert stats["checklists_created"] == stats["checklists_updated"] == 0
    assert stats["items_created"] == stats["items_updated"] == 0
    assert stats["categories_unchanged"] == len(CATEGORIES)


def test_loading_restores_shipped_text_and_keeps_admin_choices(db):
    # Given an admin renamed one category and switched another off, and added a checklist item
    HazardCategory.objects.filter(code="E01").update(name="改过的名字")
    HazardCategory.objects.filter(code="E02").update(active=False)
    checklist = Checklist.objects.get(code="owner-self-check")
    added = ChecklistItem.objects.create(
        checklist=checklist, order=15, text="自定义检查项", category=HazardCategory.objects.get(code="E03")
    )

    stats = load()

    assert HazardCategory.objects.get(code="E01").name == "灭火器等消防器材缺失、失效或配置不足"
    assert HazardCategory.objects.get(code="E02").active is False
    assert ChecklistItem.objects.filter(pk=added.pk).exists()
    assert stats["categories_updated"] == 1


def test_command_reapplies_the_catalogue(db):
    HazardCategory.objects.filter(code="E29").delete()  # not on any checklist
    out = StringIO()

    call_command("load_catalogue", stdout=out)

    assert HazardCategory.objects.filter(code="E29", default_severity=Severity.MAJOR).exists()
    assert f"隐患类别：新增 1，更新 0，未变 {len(CATEGORIES) - 1}" in out.getvalue()


def test_command_dry_run_writes_nothing(db):
    HazardCategory.objects.filter(code="E01").update(name="改过的名字")
    out = StringIO()

    call_command("load_catalogue", "--dry-run", stdout=out)

    assert HazardCategory.objects.get(code="E01").name == "改过的名字"
    assert "更新 1" in out.getvalue()
    assert "试运行" in out.getvalue()
