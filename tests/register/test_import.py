import csv
import io

import openpyxl
import pytest
from django.core.files.uploadedfile import SimpleUploadedFile

from register.choices import EnterpriseKind
from register.credit_codes import make_credit_code
from register.importer import ImportFailed, RegisterImporter
from register.models import Enterprise, Grid, Parcel, Zone

HEADER = [
    "区块",
    "网格",
    "宗地编号",
    "宗地名称",
    "宗地地址",
    "房东",
    "房东电话",
    "企业名称",
    "统一社会信用代码",
    "企业类型",
    "法定代表人",
    "安全负责人",
    "联系电话",
    "从业人数",
    "规上企业",
    "风险类型",
]
TENCENT = "9144030071526726XG"
HUAWEI = "914403001922038216"
ALIBABA = "91330100799655058B"


def write_xlsx(path, rows, header=HEADER, title=None):
    workbook = openpyxl.Workbook()
    sheet = workbook.active
    sheet.title = "台账"
    if title:
        sheet.append([title])
    sheet.append(header)
    for row in rows:
        sheet.append(row)
    workbook.save(path)
    return path


def write_csv(path, rows, header=HEADER, encoding="utf-8-sig"):
    with open(path, "w", encoding=encoding, newline="") as out:
        writer = csv.writer(out)
        writer.writerow(header)
        writer.writerows(rows)
    return path


def row(**values):
    """A register row with every column given, from HEADER names (unnamed ones empty)."""
    return [values.get(name, "") for name in HEADER]


def clean_rows():
    return [
        row(
            区块="梅陇",
            网格="梅陇一网格",
            宗地编号="ML-001",
            宗地名称="梅陇1号厂房",
            宗地地址="永康市梅陇工业区1号",
            房东="王房东",
            房东电话="13800000001",
            企业名称="永康市甲工贸有限公司",
            统一社会信用代码="９１４４０３００７１５２６７２６ＸＧ",  # full-width, as typed with an IME
            企业类型="工业企业",
            法定代表人="张三",
            安全负责人=" 李四 ",
            联系电话="１３９０００００００１",
            从业人数=25,
            规上企业="是",
            风险类型="涉喷涂喷塑、焊接与热切割",
        ),
        row(
            区块="梅陇",
            网格="梅陇一网格",
            宗地编号="ML-001",
            企业名称="永康市乙五金店",
            企业类型="两房一店",
            从业人数="6人",
            规上企业="否",
            风险类型="锂电池；有限空间 old_wiring",
        ),
        row(
            区块="花川",
            网格="花川二网格",
            宗地编号="ＨＣ－００９",
            宗地名称="花川9号厂房",
            房东="赵房东",
            企业名称="永康市丙电器有限公司（花川分厂）",
            统一社会信用代码=HUAWEI,
            企业类型="small_premises",
            规上企业="",
        ),
        row(区块="花川", 网格="花川二网格", 宗地编号="HC-010", 宗地名称="花川10号厂房", 房东="钱房东"),  # parcel only
        row(区块="花川", 网格="花川二网格", 企业名称="花川农贸市场", 企业类型="菜场"),  # no parcel
    ]


def snapshot():
    return {
        "zones": list(Zone.objects.order_by("pk").values()),
        "grids": list(Grid.objects.order_by("pk").values()),
        "parcels": list(Parcel.objects.order_by("pk").values()),
        "enterprises": list(Enterprise.objects.order_by("pk").values()),
        "tags": sorted(Enterprise.risk_tags.through.objects.values_list("enterprise_id", "risktagoption_id")),
    }


def tags(enterprise):
    return set(enterprise.risk_tags.values_list("code", flat=True))


# --- a clean file ---------------------------------------------------------------------------------


def test_clean_xlsx_creates_the_register_with_values_cleaned(db, tmp_path):
    path = write_xlsx(tmp_path / "台账.xlsx", clean_rows(), title="梅陇、花川区块企业台账（2023年12月）")

    summary = RegisterImporter(path).run()

    assert summary.rows == 5
    assert summary.counts["zone"] == {"created": 2, "updated": 0, "unchanged": 0}
    assert summary.counts["grid"] == {"created": 2, "updated": 0, "unchanged": 0}
    assert summary.counts["parcel"] == {"created": 3, "updated": 0, "unchanged": 0}
    assert summary.counts["enterprise"] == {"created": 4, "updated": 0, "unchanged": 0}

    grid = Grid.objects.get(name="梅陇一网格")
    assert grid.zone.name == "梅陇"
    parcel = Parcel.objects.get(code="ML-001")
    assert (parcel.name, parcel.address, parcel.grid, parcel.landlord_name, parcel.landlord_phone) == (
        "梅陇1号厂房",
        "永康市梅陇工业区1号",
        grid,
        "王房东",
        "13800000001",
    )
    first = Enterprise.objects.get(name="永康市甲工贸有限公司")
    assert first.credit_code == TENCENT
    assert first.phone == "13900000001"
    assert first.safety_contact == "李四"
    assert (first.kind, first.employee_count, first.above_scale) == (EnterpriseKind.INDUSTRIAL, 25, True)
    assert (first.parcel, first.grid) == (parcel, grid)
    assert tags(first) == {"spraying", "welding"}

    second = Enterprise.objects.get(name="永康市乙五金店")
    assert second.credit_code is None
    assert (second.kind, second.employee_count, second.above_scale) == (EnterpriseKind.SMALL_PREMISES, 6, False)
    assert tags(second) == {"lithium", "confined_space", "old_wiring"}
    assert parcel.tenants.count() == 2 and parcel.is_multi_tenant

    third = Enterprise.objects.get(credit_code=HUAWEI)
    assert (third.name, third.parcel.code) == ("永康市丙电器有限公司（花川分厂）", "HC-009")
    assert third.kind == EnterpriseKind.SMALL_PREMISES
    assert third.above_scale is False  # empty: the default
    assert Parcel.objects.get(code="HC-010").tenants.count() == 0
    market = Enterprise.objects.get(name="花川农贸市场")
    assert (market.kind, market.parcel, market.grid.name) == (EnterpriseKind.MARKET, None, "花川二网格")


def test_importing_the_same_file_twice_changes_nothing(db, tmp_path):
    path = write_xlsx(tmp_path / "台账.xlsx", clean_rows())
    RegisterImporter(path).run()
    before = snapshot()

    summary = RegisterImporter(path).run()

    assert snapshot() == before
    assert summary.counts["enterprise"] == {"created": 0, "updated": 0, "unchanged": 4}
    assert summary.counts["parcel"] == {"created": 0, "updated": 0, "unchanged": 3}
    assert summary.counts["zone"] == {"created": 0, "updated": 0, "unchanged": 2}
    assert summary.counts["grid"] == {"created": 0, "updated": 0, "unchanged": 2}


def test_existing_register_is_matched_by_code_and_by_name_on_the_parcel(world, tmp_path):
    tenant1 = world.tenant1
    tenant2 = world.tenant2
    tenant2.credit_code = None
    tenant2.save()
    rows = [
        # by credit code: the name and phone change; empty cells keep what the register holds
        row(区块="中申达", 网格="中申达一网格", 宗地编号="ZSD-001", 企业名称="永康甲五金股份有限公司",
            统一社会信用代码=tenant1.credit_code, 联系电话="0579-87000000"),
        # no code: by name on the same parcel; the code in the file fills it in
        row(区块="中申达", 网格="中申达一网格", 宗地编号="ZSD-001", 企业名称="永康乙工贸有限公司",
            统一社会信用代码=ALIBABA, 风险类型="锂电池"),
        # the same name on another parcel is another enterprise
        row(区块="中申达", 网格="中申达二网格", 宗地编号="ZSD-201", 企业名称="永康乙工贸有限公司"),
    ]  # fmt: skip
    path = write_xlsx(tmp_path / "register.xlsx", rows)
    enterprises_before = Enterprise.objects.count()

    summary = RegisterImporter(path).run()

    assert summary.counts["enterprise"] == {"created": 1, "updated": 2, "unchanged": 0}
    assert summary.counts["parcel"] == {"created": 0, "updated": 0, "unchanged": 2}
    assert Enterprise.objects.count() == enterprises_before + 1
    tenant1.refresh_from_db()
    assert (tenant1.name, tenant1.phone) == ("永康甲五金股份有限公司", "0579-87000000")
    assert tenant1.legal_representative == "张三" and tenant1.employee_count == 25  # empty cells erase nothing
    tenant2.refresh_from_db()
    assert tenant2.credit_code == ALIBABA
    assert tags(tenant2) == {"lithium"}
    assert Enterprise.objects.filter(name="永康乙工贸有限公司", parcel=world.parcel_a2).exists()
    assert Parcel.objects.get(code="ZSD-001").name == "中申达1号厂房"  # empty parcel name: kept


def test_zones_and_grids_are_matched_by_name_or_code(world, tmp_path):
    world.zone_a.code = "zsd"
    world.zone_a.save()
    rows = [row(区块="ZSD", 网格="中申达一网格", 宗地编号="ZSD-001", 宗地名称="中申达1号厂房")]
    path = write_xlsx(tmp_path / "register.xlsx", rows)

    summary = RegisterImporter(path).run()

    assert summary.counts["zone"] == {"created": 0, "updated": 0, "unchanged": 1}
    assert summary.counts["parcel"] == {"created": 0, "updated": 0, "unchanged": 1}
    assert Zone.objects.count() == 2


def test_a_parcel_moved_to_another_grid_takes_its_tenants_along(world, tmp_path):
    rows = [row(区块="中申达", 网格="中申达二网格", 宗地编号="ZSD-001")]
    path = write_xlsx(tmp_path / "register.xlsx", rows)

    summary = RegisterImporter(path).run()

    assert summary.counts["parcel"] == {"created": 0, "updated": 1, "unchanged": 0}
    world.parcel.refresh_from_db()
    assert world.parcel.grid == world.grid_a2
    assert set(world.parcel.tenants.values_list("grid_id", flat=True)) == {world.grid_a2.pk}


def test_rows_may_leave_zone_and_grid_to_a_known_parcel(world, tmp_path):
    rows = [row(宗地编号="ZSD-001", 企业名称="永康戊配件厂")]
    path = write_xlsx(tmp_path / "register.xlsx", rows)

    RegisterImporter(path).run()

    created = Enterprise.objects.get(name="永康戊配件厂")
    assert (created.parcel, created.grid) == (world.parcel, world.grid_a1)


def test_batches_are_written_across_many_rows(db, tmp_path):
    rows = [
        row(区块="富源", 网格=f"富源{i % 3}网格", 宗地编号=f"FY-{i % 4}", 宗地名称=f"富源{i % 4}号厂房",
            企业名称=f"永康富源{i}号厂", 统一社会信用代码=make_credit_code() if i % 2 else "")
        for i in range(12)
    ]  # fmt: skip
    for i, values in enumerate(rows):  # a parcel stays in the grid of the first row naming it
        values[1] = f"富源{(i % 4) % 3}网格"
    path = write_xlsx(tmp_path / "register.xlsx", rows)

    summary = RegisterImporter(path, batch_size=5).run()
    again = RegisterImporter(path, batch_size=5).run()

    assert summary.counts["enterprise"]["created"] == 12
    assert summary.counts["parcel"]["created"] == 4
    assert again.counts["enterprise"] == {"created": 0, "updated": 0, "unchanged": 12}
    assert Enterprise.objects.filter(parcel__code="FY-1").count() == 3


# --- bad rows: nothing written, every problem listed ----------------------------------------------


def test_bad_rows_write_nothing_and_every_problem_is_listed(world, tmp_path):
    good = row(
        区块="中申达", 网格="中申达一网格", 宗地编号="ZSD-001", 企业名称="永康新来五金厂", 统一社会信用代码=TENCENT
    )
    rows = [
        good,  # row 2: fine, but must not be written either
        row(区块="中申达", 网格="中申达一网格", 宗地编号="ZSD-001", 企业名称="坏校验位厂",
            统一社会信用代码="91110000600037341M"),  # row 3
        row(区块="中申达", 网格="中申达一网格", 企业名称="短代码厂", 统一社会信用代码="9111000060003734"),  # row 4
        row(区块="中申达", 网格="中申达一网格", 企业名称="怪类型厂", 企业类型="作坊", 从业人数="很多",
            规上企业="也许", 风险类型="喷涂、放射源"),  # row 5: four problems
        row(区块="", 网格="中申达一网格", 企业名称="没区块厂"),  # row 6
        row(区块="花川", 网格="中申达一网格", 企业名称="错区块厂"),  # row 7: the grid belongs to 中申达 (row 2)
        row(区块="中申达", 网格="中申达一网格", 企业名称="重复代码厂", 统一社会信用代码=TENCENT),  # row 8
        row(区块="中申达", 网格="中申达一网格", 宗地编号="NEW-1"),  # row 9: a new parcel needs a name
        row(区块="中申达", 网格="中申达一网格", 宗地编号="ZSD-001", 统一社会信用代码=HUAWEI),  # row 10: no name
        row(区块="中申达", 网格="中申达一网格", 企业名称="字" * 201),  # row 11: too long
    ]  # fmt: skip
    path = write_xlsx(tmp_path / "bad.xlsx", rows)
    before = snapshot()

    with pytest.raises(ImportFailed) as excinfo:
        RegisterImporter(path).run()

    assert snapshot() == before
    assert "未写入任何数据" in excinfo.value.message
    found = {(p.row, p.column): p for p in excinfo.value.problems}
    expected = {
        (3, "统一社会信用代码"): "校验位错误：末位应为 L，实际为 M",
        (4, "统一社会信用代码"): "应为18位，实际为16位",
        (5, "企业类型"): "无法识别的企业类型",
        (5, "从业人数"): "不小于0的整数",
        (5, "规上企业"): "应填写“是”或“否”",
        (5, "风险类型"): "无法识别的风险类型",
        (6, "区块"): "区块不能为空",
        (7, "网格"): "在第2行属于区块“中申达”",
        (8, "统一社会信用代码"): "与第2行重复",
        (9, "宗地编号"): "新宗地须填写宗地名称",
        (10, "企业名称"): "企业名称为空",
        (11, "企业名称"): "内容过长：最多200个字",
    }
    for key, reason in expected.items():
        assert key in found, key
        assert reason in found[key].reason, (key, found[key].reason)
    assert set(found) == set(expected)
    assert found[(5, "风险类型")].value == "放射源"
    assert found[(3, "统一社会信用代码")].value == "91110000600037341M"
    assert [p.row for p in excinfo.value.problems] == sorted(p.row for p in excinfo.value.problems)
    assert str(found[(3, "统一社会信用代码")]).startswith("第3行 · 统一社会信用代码 · “91110000600037341M”：")


def test_validate_lists_problems_and_writes_nothing(world, tmp_path):
    rows = [row(区块="中申达", 网格="中申达一网格", 企业名称="坏校验位厂", 统一社会信用代码="91110000600037341M")]
    path = write_xlsx(tmp_path / "bad.xlsx", rows)
    before = snapshot()

    problems = RegisterImporter(path).validate()

    assert [(p.row, p.column) for p in problems] == [(2, "统一社会信用代码")]
    assert snapshot() == before


def test_dry_run_counts_what_would_change_and_writes_nothing(world, tmp_path):
    path = write_xlsx(tmp_path / "台账.xlsx", clean_rows())
    before = snapshot()

    summary = RegisterImporter(path).run(dry_run=True)

    assert summary.dry_run and summary.problems == []
    assert summary.counts["enterprise"]["created"] == 4
    assert snapshot() == before
    assert RegisterImporter(path).validate() == []


def test_parcel_rows_that_disagree_are_problems(world, tmp_path):
    rows = [
        row(区块="中申达", 网格="中申达一网格", 宗地编号="P-1", 宗地名称="一号厂房", 企业名称="甲厂"),
        row(区块="中申达", 网格="中申达二网格", 宗地编号="P-1", 企业名称="乙厂"),  # another grid
        row(区块="中申达", 网格="中申达一网格", 宗地编号="P-1", 宗地名称="二号厂房", 企业名称="丙厂"),  # another name
        row(区块="中申达", 网格="中申达一网格", 宗地编号="P-1", 企业名称="甲厂"),  # listed twice, no code
    ]
    path = write_xlsx(tmp_path / "bad.xlsx", rows)

    problems = RegisterImporter(path).validate()

    assert [(p.row, p.column) for p in problems] == [(3, "网格"), (4, "宗地名称"), (5, "企业名称")]
    assert "宗地“P-1”在第2行属于" in problems[0].reason
    assert "与第2行给同一宗地填写的“一号厂房”不一致" in problems[1].reason
    assert "与第2行是同一宗地上的同名企业" in problems[2].reason
    assert not Parcel.objects.filter(code="P-1").exists()


def test_two_rows_for_one_registered_enterprise_are_a_problem(world, tmp_path):
    rows = [
        row(区块="中申达", 网格="中申达一网格", 宗地编号="ZSD-001", 企业名称="永康甲五金有限公司"),
        row(区块="中申达", 网格="中申达一网格", 宗地编号="ZSD-001", 企业名称="永康甲五金（新名）",
            统一社会信用代码=world.tenant1.credit_code),
    ]  # fmt: skip
    path = write_xlsx(tmp_path / "bad.xlsx", rows)

    problems = RegisterImporter(path, batch_size=1).validate()

    assert [(p.row, p.column) for p in problems] == [(3, "企业名称")]
    assert "与第2行指向登记簿中的同一家企业" in problems[0].reason


def test_a_credit_code_excel_turned_into_a_number_is_explained(db, tmp_path):
    rows = [row(区块="四方", 网格="四方一网格", 企业名称="数字代码厂", 统一社会信用代码=913307841234567890)]
    path = write_xlsx(tmp_path / "bad.xlsx", rows)

    problems = RegisterImporter(path).validate()

    assert len(problems) == 1
    assert "存成了数字" in problems[0].reason


# --- CSV encodings and formats -------------------------------------------------------------------


@pytest.mark.parametrize("encoding", ["gb18030", "utf-8-sig", "utf-8"])
def test_csv_in_the_encodings_offices_save(db, tmp_path, encoding):
    path = write_csv(tmp_path / "台账.csv", clean_rows(), encoding=encoding)

    summary = RegisterImporter(path).run()

    assert summary.counts["enterprise"]["created"] == 4
    assert Enterprise.objects.get(credit_code=TENCENT).name == "永康市甲工贸有限公司"
    assert tags(Enterprise.objects.get(name="永康市乙五金店")) == {"lithium", "confined_space", "old_wiring"}
    assert Parcel.objects.get(code="ML-001").landlord_name == "王房东"


def test_gb18030_csv_really_is_not_utf8(tmp_path):
    path = write_csv(tmp_path / "台账.csv", clean_rows(), encoding="gb18030")
    with pytest.raises(UnicodeDecodeError):
        path.read_bytes().decode("utf-8")


def test_english_headers_and_an_uploaded_file(db):
    header = ["zone", "grid", "parcel_code", "parcel_name", "enterprise", "credit_code", "kind", "risk_tags", "备注"]
    text = io.StringIO()
    csv.writer(text).writerows(
        [header, ["Fuyuan", "Fuyuan-1", "FY-1", "Fuyuan 1", "Fuyuan Hardware", ALIBABA, "industrial", "welding", "x"]]
    )
    upload = SimpleUploadedFile("register.csv", text.getvalue().encode("utf-8"), content_type="text/csv")
    importer = RegisterImporter(upload)

    assert importer.validate() == []
    summary = importer.run()  # the same upload, read a second time

    assert summary.ignored_columns == ["备注"]
    enterprise = Enterprise.objects.get(credit_code=ALIBABA)
    assert (enterprise.name, enterprise.parcel.code, enterprise.grid.zone.name) == ("Fuyuan Hardware", "FY-1", "Fuyuan")
    assert tags(enterprise) == {"welding"}


# --- the file itself ---------------------------------------------------------------------------


def file_error(source, **kwargs):
    with pytest.raises(ImportFailed) as excinfo:
        RegisterImporter(source, **kwargs).run()
    problems = RegisterImporter(source, **kwargs).validate()
    assert [p.reason for p in problems] == [excinfo.value.message]
    return excinfo.value.message


def test_file_problems_have_clear_messages(db, tmp_path):
    assert "文件不存在" in file_error(tmp_path / "missing.xlsx")
    (tmp_path / "old.xls").write_bytes(b"\xd0\xcf\x11\xe0")
    assert "另存为 .xlsx" in file_error(tmp_path / "old.xls")
    (tmp_path / "notes.docx").write_bytes(b"PK")
    assert "不支持的文件类型“.docx”" in file_error(tmp_path / "notes.docx")
    (tmp_path / "broken.xlsx").write_bytes(b"this is not a zip file")
    assert "无法读取 Excel 文件" in file_error(tmp_path / "broken.xlsx")
    (tmp_path / "empty.csv").write_bytes(b"")
    assert "文件是空的" in file_error(tmp_path / "empty.csv")
    write_csv(tmp_path / "nohead.csv", [["a", "b"]], header=["甲", "乙"])
    assert "未找到表头" in file_error(tmp_path / "nohead.csv")
    write_xlsx(tmp_path / "partial.xlsx", [["永康甲厂", "中申达"]], header=["企业名称", "区块"])
    assert file_error(tmp_path / "partial.xlsx") == "缺少必需的列：网格。"
    write_xlsx(tmp_path / "twice.xlsx", [], header=["区块", "网格", "企业名称", "单位名称"])
    assert "列“企业名称”出现了2次" in file_error(tmp_path / "twice.xlsx")
    (tmp_path / "binary.csv").write_bytes(b"\xff\xff\x00\x81,\n")  # neither UTF-8 nor GB18030
    assert "无法识别 CSV 文件的编码" in file_error(tmp_path / "binary.csv")
    upload = SimpleUploadedFile("register.pdf", b"%PDF-1.4")
    assert "不支持的文件类型“.pdf”" in file_error(upload)
    assert Zone.objects.count() == 0 and Enterprise.objects.count() == 0


def test_progress_is_reported_while_reading(db, tmp_path):
    path = write_xlsx(tmp_path / "台账.xlsx", clean_rows())
    calls = []

    RegisterImporter(path, progress=lambda done, total: calls.append((done, total)), progress_every=2).run()

    assert calls == [(2, 5), (4, 5), (5, 5)]


def test_parcel_values_may_come_from_any_of_its_rows(world, tmp_path):
    rows = [
        row(区块="中申达", 网格="中申达一网格", 宗地编号="P-9", 企业名称="甲厂"),  # the name comes later
        row(区块="中申达", 网格="中申达一网格", 宗地编号="P-9", 宗地名称="九号厂房", 房东="孙房东", 企业名称="乙厂"),
        row(区块="中申达", 网格="中申达一网格", 宗地编号="ZSD-001", 房东电话="13700000000"),
    ]
    path = write_xlsx(tmp_path / "register.xlsx", rows)

    summary = RegisterImporter(path, batch_size=1).run()

    assert summary.counts["parcel"] == {"created": 1, "updated": 1, "unchanged": 0}
    parcel = Parcel.objects.get(code="P-9")
    assert (parcel.name, parcel.landlord_name, parcel.tenants.count()) == ("九号厂房", "孙房东", 2)
    world.parcel.refresh_from_db()
    assert (world.parcel.name, world.parcel.landlord_phone) == ("中申达1号厂房", "13700000000")
    assert RegisterImporter(path, batch_size=1).run().counts["parcel"] == {"created": 0, "updated": 0, "unchanged": 2}


def test_enterprises_of_one_name_on_a_parcel_need_their_codes(world, tmp_path):
    rows = [
        row(区块="中申达", 网格="中申达一网格", 宗地编号="ZSD-001", 企业名称="同名厂", 统一社会信用代码=TENCENT),
        row(区块="中申达", 网格="中申达一网格", 宗地编号="ZSD-001", 企业名称="同名厂", 统一社会信用代码=HUAWEI),
        row(区块="中申达", 网格="中申达一网格", 宗地编号="ZSD-001", 企业名称="同名厂"),
    ]
    path = write_xlsx(tmp_path / "register.xlsx", rows)

    problems = RegisterImporter(path).validate()

    assert [(p.row, p.column) for p in problems] == [(4, "企业名称")]
    assert "与第2行是同一宗地上的同名企业" in problems[0].reason

    write_xlsx(path, rows[:2])
    RegisterImporter(path).run()
    assert RegisterImporter(path).run().counts["enterprise"] == {"created": 0, "updated": 0, "unchanged": 2}
