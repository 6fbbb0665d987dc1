"""The register import says in the log what it did: one INFO line with the counts, a WARNING when it refuses a file."""

import logging

import pytest

from register.importer import ImportFailed, RegisterImporter
from tests.register.test_import import TENCENT, row, write_csv

pytestmark = pytest.mark.django_db


def test_an_import_logs_one_info_line_with_its_counts(tmp_path, caplog):
    path = write_csv(
        tmp_path / "台账.csv",
        [row(区块="中申达", 网格="中申达一网格", 宗地编号="ZSD-001", 宗地名称="1号厂房", 企业名称="永康甲五金有限公司", 统一社会信用代码=TENCENT)],
    )  # fmt: skip

    with caplog.at_level(logging.INFO, logger="register.importer"):
        RegisterImporter(path).run()

    (record,) = [r for r in caplog.records if r.name == "register.importer"]
    assert record.levelno == logging.INFO
    message = record.getMessage()
    assert "台账.csv" in message and "1 rows" in message
    assert "enterprise 1 created, 0 updated, 0 unchanged" in message
    assert "zone 1 created" in message and "parcel 1 created" in message


def test_a_refused_file_logs_a_warning_with_the_number_of_problems(tmp_path, caplog):
    path = write_csv(tmp_path / "台账.csv", [row(区块="中申达", 网格="", 企业名称="永康甲五金有限公司")])

    with caplog.at_level(logging.INFO, logger="register.importer"), pytest.raises(ImportFailed):
        RegisterImporter(path).run()

    (record,) = [r for r in caplog.records if r.name == "register.importer"]
    assert record.levelno == logging.WARNING
    assert "refused" in record.getMessage() and "(1 problems)" in record.getMessage()


def test_a_dry_run_says_so(tmp_path, caplog):
    path = write_csv(tmp_path / "台账.csv", [row(区块="中申达", 网格="中申达一网格", 企业名称="永康甲五金有限公司")])

    with caplog.at_level(logging.INFO, logger="register.importer"):
        RegisterImporter(path).run(dry_run=True)

    (record,) = [r for r in caplog.records if r.name == "register.importer"]
    assert "(dry run)" in record.getMessage() and "enterprise 1 created" in record.getMessage()
