import os
import subprocess
import sys
from io import StringIO

import pytest
from django.conf import settings
from django.core.management import CommandError, call_command, load_command_class
from django.core.management.base import OutputWrapper

from register.models import Enterprise, Parcel, Zone
from tests.register.test_import import clean_rows, row, snapshot, write_csv, write_xlsx


def run(*args):
    out, err = StringIO(), StringIO()
    call_command("import_register", *map(str, args), stdout=out, stderr=err)
    return out.getvalue(), err.getvalue()


def test_import_prints_a_summary(db, tmp_path):
    path = write_xlsx(tmp_path / "台账.xlsx", clean_rows())

    out, _err = run(path)

    assert "导入完成：共 5 行" in out
    assert "企业：新增 4，更新 0，不变 0" in out
    assert "宗地：新增 3，更新 0，不变 0" in out
    assert Enterprise.objects.count() == 4

    out, _err = run(path)

    assert "企业：新增 0，更新 0，不变 4" in out


def test_dry_run_checks_and_writes_nothing(db, tmp_path):
    path = write_csv(tmp_path / "台账.csv", clean_rows(), encoding="gb18030")

    out, _err = run(path, "--dry-run")

    assert "校验通过" in out and "未写入任何数据" in out
    assert "企业：将新增 4" in out
    assert Enterprise.objects.count() == 0 and Zone.objects.count() == 0


def test_bad_rows_are_listed_and_nothing_is_written(world, tmp_path):
    rows = [
        row(区块="中申达", 网格="中申达一网格", 宗地编号="NEW-1", 宗地名称="新厂房", 企业名称="好厂"),
        row(区块="中申达", 网格="中申达一网格", 企业名称="坏厂", 统一社会信用代码="91110000600037341M", 从业人数=-3),
    ]
    path = write_xlsx(tmp_path / "bad.xlsx", rows)
    before = snapshot()
    err = StringIO()

    with pytest.raises(CommandError) as excinfo:
        call_command("import_register", str(path), stdout=StringIO(), stderr=err)

    assert str(excinfo.value) == "共发现 2 个问题，未写入任何数据。"
    lines = err.getvalue().splitlines()
    assert lines == [
        "第3行 · 统一社会信用代码 · “91110000600037341M”：统一社会信用代码校验位错误：末位应为 L，实际为 M。",
        "第3行 · 从业人数 · “-3”：从业人数应为不小于0的整数。",
    ]
    assert snapshot() == before
    assert not Parcel.objects.filter(code="NEW-1").exists()


def test_unknown_columns_are_reported(db, tmp_path):
    path = write_xlsx(
        tmp_path / "台账.xlsx",
        [["四方", "四方一网格", "永康己厂", "备注文字"]],
        header=["区块", "网格", "企业名称", "备注"],
    )

    _out, err = run(path)

    assert "已忽略无法识别的列：备注" in err
    assert Enterprise.objects.filter(name="永康己厂").exists()


@pytest.mark.parametrize(
    ("name", "content", "message"),
    [
        ("missing.xlsx", None, "文件不存在"),
        ("register.xls", b"\xd0\xcf\x11\xe0", "不支持旧版 .xls 文件"),
        ("register.json", b"{}", "不支持的文件类型“.json”"),
        ("register.xlsx", b"not a zip", "无法读取 Excel 文件"),
        ("register.csv", "企业名称,备注\n甲厂,无\n".encode(), "缺少必需的列：区块、网格。"),
    ],
)
def test_bad_files_give_a_clear_message(db, tmp_path, name, content, message):
    path = tmp_path / name
    if content is not None:
        path.write_bytes(content)

    with pytest.raises(CommandError) as excinfo:
        run(path)

    assert message in str(excinfo.value)
    assert Zone.objects.count() == 0


def test_help_describes_the_command():
    parser = load_command_class("register", "import_register").create_parser("manage.py", "import_register")
    text = parser.format_help()
    assert "--dry-run" in text and "只校验，不写入任何数据" in text
    assert "统一社会信用代码" in text  # the recognised columns


def test_a_bad_file_exits_non_zero_from_the_shell(tmp_path):
    env = {**os.environ, "VAR_DIR": str(tmp_path / "var"), "DATABASE_URL": f"sqlite:///{tmp_path / 'db.sqlite3'}"}
    env.setdefault("SECRET_KEY", "test-only")
    result = subprocess.run(
        [sys.executable, "manage.py", "import_register", str(tmp_path / "missing.xlsx")],
        cwd=settings.BASE_DIR,
        env=env,
        capture_output=True,
        text=True,
        timeout=60,
    )
    assert result.returncode != 0
    assert "文件不存在" in result.stderr


class Terminal(StringIO):
    def isatty(self):
        return True


def test_a_progress_bar_is_drawn_on_a_terminal_for_large_files():
    command = load_command_class("register", "import_register")
    command.stderr = OutputWrapper(Terminal())

    command._progress(100, 500)  # small files: no bar
    command._progress(25_000, 50_000)
    command._progress(500, None)  # the sheet does not say how many rows it has: a count, past the first ones
    command._progress(3000, None)

    assert command.stderr._out.getvalue() == "\r[###############---------------] 25000/50000\r已读取 3000 行"
