"""Benchmark ``import_register`` on a large generated register (.xlsx).

    .venv/bin/python bench/bench_import.py [--rows 50000] [--once] [--keep]

Makes a register of ROWS enterprises (6 zones, 60 grids, ROWS/5 parcels, every column filled
the way offices type it: full-width digits, stray spaces, 是/否, several risk types per cell)
in a temporary directory, migrates a throwaway SQLite database there (or the database in
DATABASE_URL when it is set), then runs ``manage.py import_register FILE`` as a child process
and prints the wall time, rows per second and the peak RSS of that process. It then imports
the same file again (unless --once): the second run must change nothing.
"""

import argparse
import os
import random
import secrets
import shutil
import subprocess
import sys
import tempfile
import time
from pathlib import Path

BASE_DIR = Path(__file__).resolve().parent.parent
sys.path.insert(0, str(BASE_DIR))

ZONES = ["中申达", "花川", "梅陇", "四方", "九里山", "富源"]
KINDS = ["工业企业"] * 14 + ["两房一店"] * 5 + ["其他"]
RISKS = ["涉喷涂喷塑", "涉爆金属粉尘", "有限空间", "锂电池", "焊接与热切割", "老旧厂房电气线路"]
HEADERS = [
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
FULL_WIDTH = str.maketrans("0123456789", "０１２３４５６７８９")


def make_register(path, rows, seed=20231231):
    """Write a register of ``rows`` enterprises to ``path`` (openpyxl write-only: constant memory)."""
    import openpyxl

    from register.credit_codes import make_credit_code

    rng = random.Random(seed)
    workbook = openpyxl.Workbook(write_only=True)
    sheet = workbook.create_sheet("企业台账")
    sheet.append(["永康高新区企业安全生产台账（基准测试）"])  # a title row above the header, as offices have
    sheet.append(HEADERS)
    parcels = max(1, rows // 5)
    codes = set()
    for i in range(rows):
        p = i % parcels
        zone = ZONES[p % len(ZONES)]
        grid = f"{zone}第{(p // len(ZONES)) % 10 + 1}网格"
        code = make_credit_code(rng)
        while code in codes:
            code = make_credit_code(rng)
        codes.add(code)
        if i % 10 == 9:
            code = ""  # some small premises have no credit code
        tags = rng.sample(RISKS, rng.choice([0, 0, 0, 1, 1, 2]))
        sheet.append(
            [
                zone,
                f" {grid} ",
                f"YK-{p:06d}",
                f"{zone}{p}号厂房",
                f"永康市{zone}工业区{p}号",
                f"房东{p}",
                f"138{p:08d}",
                f"永康市测试{i}号五金有限公司",
                code.lower() if i % 7 == 3 else code,
                KINDS[i % len(KINDS)],
                f"法人{i % 997}",
                f"安全员{i % 991}",
                f"139{i:08d}".translate(FULL_WIDTH) if i % 4 == 0 else f"139{i:08d}",
                rng.randint(3, 400) if i % 3 else f"{rng.randint(3, 400)}人",
                "是" if i % 6 == 0 else "否",
                "、".join(tags) if i % 2 else "，".join(tags),
            ]
        )
    workbook.save(path)
    del codes


def read_baseline(path):
    """Seconds to read every cell with openpyxl read_only and no database: the floor for an import."""
    import openpyxl

    started = time.monotonic()
    workbook = openpyxl.load_workbook(path, read_only=True, data_only=True)
    cells = sum(len(values) for values in workbook.worksheets[0].iter_rows(values_only=True))
    workbook.close()
    return time.monotonic() - started, cells


def run_child(args, env):
    """Run a child process; return (wall seconds, CPU seconds, its own peak RSS in MB, its stdout)."""
    with tempfile.TemporaryFile() as out, tempfile.TemporaryFile() as err:
        started = time.monotonic()
        proc = subprocess.Popen(args, env=env, cwd=BASE_DIR, stdout=out, stderr=err)
        _pid, status, usage = os.wait4(proc.pid, 0)  # this child's rusage, not the running maximum
        seconds = time.monotonic() - started
        proc.returncode = os.waitstatus_to_exitcode(status)
        out.seek(0)
        err.seek(0)
        stdout, stderr = out.read().decode(), err.read().decode()
    if proc.returncode != 0:
        sys.stderr.write(stdout + stderr)
        raise SystemExit(f"{' '.join(map(str, args))} exited with {proc.returncode}")
    return seconds, usage.ru_utime + usage.ru_stime, usage.ru_maxrss / 1024, stdout


def main():
    parser = argparse.ArgumentParser(description=__doc__, formatter_class=argparse.RawDescriptionHelpFormatter)
    parser.add_argument("--rows", type=int, default=50_000)
    parser.add_argument("--once", action="store_true", help="import once (skip the second, unchanged import)")
    parser.add_argument("--keep", action="store_true", help="keep the temporary directory")
    options = parser.parse_args()

    workdir = Path(tempfile.mkdtemp(prefix="bench-import-"))
    env = dict(os.environ)
    env.setdefault("DATABASE_URL", f"sqlite:///{workdir / 'bench.sqlite3'}")
    env.update(
        DJANGO_SETTINGS_MODULE="config.settings",
        VAR_DIR=str(workdir / "var"),
        DEBUG="0",
        SECRET_KEY=env.get("SECRET_KEY") or secrets.token_urlsafe(40),
        LOG_LEVEL="WARNING",
    )
    python = sys.executable
    try:
        path = workdir / "register.xlsx"
        started = time.monotonic()
        os.environ.update({k: env[k] for k in ("DJANGO_SETTINGS_MODULE", "VAR_DIR", "SECRET_KEY")})
        make_register(path, options.rows)
        print(
            f"made {path.name}: {options.rows} rows, {path.stat().st_size / 1e6:.1f} MB in {time.monotonic() - started:.1f} s"
        )
        db = env["DATABASE_URL"].split("@")[-1]
        run_child([python, "manage.py", "migrate", "--no-input", "-v", "0", "--skip-checks"], env)
        print(f"migrated {db}")

        baseline, cells = read_baseline(path)
        print(f"baseline: reading its {cells} cells with openpyxl alone (no database) takes {baseline:.1f} s")

        # The command as an office runs it (system checks skipped: they test the project, not the import).
        command = [python, "manage.py", "import_register", str(path), "--no-progress", "--skip-checks"]
        runs = ["first import"] + ([] if options.once else ["second import (same file)"])
        for label in runs:
            seconds, cpu, peak_mb, out = run_child(command, env)
            print(
                f"{label}: {options.rows} rows in {seconds:.1f} s = {options.rows / seconds:.0f} rows/s, "
                f"peak RSS {peak_mb:.0f} MB (CPU {cpu:.1f} s; {seconds / baseline:.1f}x the bare read)"
            )
            for line in out.splitlines()[1:]:
                print("   ", line.strip())
    finally:
        if options.keep:
            print(f"kept {workdir}")
        else:
            shutil.rmtree(workdir, ignore_errors=True)


if __name__ == "__main__":
    main()
