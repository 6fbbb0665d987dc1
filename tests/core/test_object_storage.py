"""Uploaded files in an S3-compatible bucket (STORAGE_URL), against a real S3 HTTP server.

moto's standalone server (``python -m moto.server``, from requirements-dev.txt) is started as a
process on a free port; each test gets a bucket of its own and points STORAGE_URL's storage at it.
Nothing is mocked: boto3 talks HTTP to the server, and the tests list the bucket as an operator would.
MEDIA_ROOT points at an empty folder that must stay empty: every file goes through the storage API.
"""

import csv
import io
import os
import socket
import subprocess
import sys
import time
import uuid

import pytest
from django.core.exceptions import ImproperlyConfigured
from django.core.files.storage import default_storage, storages
from django.core.files.uploadedfile import SimpleUploadedFile
from django.urls import reverse

from cases import services
from cases.models import Photo
from config.storage import storage_from_url
from core.storage import PrivateS3Storage
from ledgers.models import Drill
from register.models import Parcel
from register.views import SESSION_KEY
from tests import factories as f
from tests.conftest import IN_CI

pytestmark = pytest.mark.django_db

ACCESS_KEY, SECRET_KEY, REGION = "tracker-test", "tracker/secret+key", "cn-east-1"
PDF = b"%PDF-1.4\n1 0 obj<<>>endobj\ntrailer<<>>\n%%EOF\n"


def _free_port():
    with socket.socket() as probe:
        probe.bind(("127.0.0.1", 0))
        return probe.getsockname()[1]


@pytest.fixture(scope="session")
def s3_server(tmp_path_factory):
    """The endpoint of a moto S3 server of this test run (a real HTTP server in its own process)."""
    try:
        import moto.server  # noqa: F401
    except ImportError:
        if IN_CI:
            raise
        pytest.skip("needs moto[server] (requirements-dev.txt)")
    port = _free_port()
    log = tmp_path_factory.mktemp("moto") / "server.log"
    env = {**os.environ, "MOTO_ALLOW_NONEXISTENT_REGION": "true"}
    with open(log, "wb") as out:
        process = subprocess.Popen(  # noqa: S603 - our own interpreter and module
            [sys.executable, "-m", "moto.server", "-H", "127.0.0.1", "-p", str(port)],
            stdout=out,
            stderr=subprocess.STDOUT,
            env=env,
        )
    try:
        deadline = time.monotonic() + 60
        while True:
            try:
                socket.create_connection(("127.0.0.1", port), timeout=1).close()
                break
            except OSError:
                if process.poll() is not None or time.monotonic() > deadline:
                    raise RuntimeError(f"moto server did not start:\n{log.read_text(errors='replace')}") from None
                time.sleep(0.2)
        yield f"127.0.0.1:{port}"
    finally:
        process.terminate()
        try:
            process.wait(timeout=10)
        except subprocess.TimeoutExpired:
            process.kill()
            process.wait()


def _client(endpoint):
    import boto3
    from botocore.config import Config

    return boto3.client(
        "s3",
        endpoint_url=f"http://{endpoint}",
        aws_access_key_id=ACCESS_KEY,
        aws_secret_access_key=SECRET_KEY,
        region_name=REGION,
        config=Config(s3={"addressing_style": "path"}),
    )


class Bucket:
    def __init__(self, endpoint, name):
        self.endpoint, self.name = endpoint, name
        self.client = _client(endpoint)
        self.client.create_bucket(Bucket=name, CreateBucketConfiguration={"LocationConstraint": REGION})

    @property
    def url(self):
        secret = SECRET_KEY.replace("/", "%2F").replace("+", "%2B")
        return f"s3://{ACCESS_KEY}:{secret}@{self.endpoint}/{self.name}?region={REGION}&addressing_style=path&secure=0"

    def keys(self, prefix=""):
        listing = self.client.list_objects_v2(Bucket=self.name, Prefix=prefix)
        return sorted(item["Key"] for item in listing.get("Contents", ()))

    def read(self, key):
        return self.client.get_object(Bucket=self.name, Key=key)["Body"].read()


@pytest.fixture
def bucket(s3_server, settings, tmp_path):
    """A fresh bucket, and the app's file storage pointed at it as STORAGE_URL would."""
    store = Bucket(s3_server, f"tracker-{uuid.uuid4().hex[:16]}")
    settings.MEDIA_ROOT = tmp_path / "media"
    settings.STORAGES = {**settings.STORAGES, "default": storage_from_url(store.url)}
    yield store
    assert not (tmp_path / "media").exists() or not any((tmp_path / "media").rglob("*")), "a file went to the disk"


@pytest.fixture
def category(db):
    return f.HazardCategoryFactory(code="OS01", name="电气线路私拉乱接", deadline_days=7)


def content(response):
    return b"".join(response.streaming_content)


# --- STORAGE_URL ------------------------------------------------------------------------------------------


def test_storage_url_names_the_bucket_endpoint_keys_and_options():
    assert storage_from_url("") == {"BACKEND": "django.core.files.storage.FileSystemStorage"}
    entry = storage_from_url(
        "s3://AK%2F1:SK%40%2B2@minio.local:9000/evidence/county-a?region=cn-east-1&addressing_style=path&secure=0"
    )
    options = entry["OPTIONS"]
    assert entry["BACKEND"] == "core.storage.PrivateS3Storage"
    assert (options["access_key"], options["secret_key"]) == ("AK/1", "SK@+2")
    assert options["endpoint_url"] == "http://minio.local:9000" and options["use_ssl"] is False
    assert (options["bucket_name"], options["location"]) == ("evidence", "county-a")
    assert (options["region_name"], options["addressing_style"]) == ("cn-east-1", "path")
    assert options["file_overwrite"] is False and "default_acl" not in options
    aws = storage_from_url("s3://@/photos")["OPTIONS"]  # AWS itself; keys from AWS_ACCESS_KEY_ID & co.
    assert "endpoint_url" not in aws and "access_key" not in aws and aws["use_ssl"] is True
    assert storage_from_url("s3://k:s@oss-cn-hangzhou.aliyuncs.com/b")["OPTIONS"]["endpoint_url"] == (
        "https://oss-cn-hangzhou.aliyuncs.com"
    )
    for bad in ("ftp://h/b", "s3://k:s@host:9000/", "s3://h/b?style=path", "s3://h/b?addressing_style=odd"):
        with pytest.raises(ImproperlyConfigured):
            storage_from_url(bad)


def test_the_settings_read_storage_url_from_the_environment(bucket, tmp_path):
    code = (
        "import django; django.setup();"
        "from django.core.files.storage import storages; s = storages['default'];"
        "print(type(s).__name__, s.bucket_name, s.exists('nothing-here'))"
    )
    env = {name: value for name, value in os.environ.items() if name not in ("DATABASE_URL", "REDIS_URL")}
    env.update(STORAGE_URL=bucket.url, DJANGO_SETTINGS_MODULE="config.settings", VAR_DIR=str(tmp_path / "var"))
    done = subprocess.run(  # noqa: S603
        [sys.executable, "-c", code], env=env, capture_output=True, text=True, timeout=120, check=False
    )
    assert done.returncode == 0, done.stderr
    assert done.stdout.split() == ["PrivateS3Storage", bucket.name, "False"]


# --- photos ----------------------------------------------------------------------------------------------


def test_a_photo_reported_on_the_page_lands_in_the_bucket_and_is_served_only_in_scope(client, world, category, bucket):
    client.force_login(world.inspector)
    url = f"{reverse('cases:hazard_report')}?enterprise={world.tenant1.pk}"
    upload = f.photo_upload("现场.jpg")
    original = upload.read()
    upload.seek(0)
    response = client.post(url, {"category": category.pk, "description": "配电箱敞开", "photos": [upload]})
    assert response.status_code == 302
    photo = Photo.objects.get()

    # the original, unchanged, and its thumbnail are objects in the bucket
    keys = bucket.keys("photos/")
    assert keys == sorted([photo.image.name, photo.thumbnail.name])
    assert photo.image.name.endswith(f"{photo.sha256}.jpg") and photo.thumbnail.name.endswith("_thumb.jpg")
    assert bucket.read(photo.image.name) == original
    assert bucket.read(photo.thumbnail.name)[:3] == b"\xff\xd8\xff"
    for key in keys:  # no grant to everyone: the objects are as private as the bucket
        grants = bucket.client.get_object_acl(Bucket=bucket.name, Key=key)["Grants"]
        assert not [g for g in grants if "AllUsers" in str(g.get("Grantee", {}).get("URI", ""))]

    # pages link to the app's scoped view, never to the bucket
    assert photo.image.url == f"/media/{photo.image.name}"
    hazard_page = client.get(reverse("cases:hazard_detail", args=[photo.hazard_id])).content.decode()
    assert photo.thumbnail.url in hazard_page and bucket.endpoint not in hazard_page

    image = client.get(photo.image.url)
    assert image.status_code == 200 and image["Content-Type"] == "image/jpeg"
    assert image["Cache-Control"].startswith("private") and content(image) == original
    thumb = client.get(photo.thumbnail.url)
    assert thumb.status_code == 200 and content(thumb) == bucket.read(photo.thumbnail.name)

    client.force_login(world.enterprise_user)  # the enterprise's own user sees its case
    assert client.get(photo.image.url).status_code == 200
    client.force_login(world.inspector_b)  # another zone's inspector
    assert client.get(photo.image.url).status_code == 404
    assert client.get(photo.thumbnail.url).status_code == 404
    client.logout()
    assert client.get(photo.image.url).status_code == 302  # to the sign-in page


def test_the_same_photo_twice_is_one_object_and_a_missing_one_answers_404(client, world, category, bucket):
    for description in ("配电箱敞开", "插线板串接"):
        services.report_hazard(
            actor=world.inspector,
            category=category,
            description=description,
            enterprise=world.tenant1,
            photos=[f.photo_upload()],
        )
    assert Photo.objects.count() == 2 and len(bucket.keys("photos/")) == 2  # content-addressed: stored once
    photo = Photo.objects.first()
    bucket.client.delete_object(Bucket=bucket.name, Key=photo.image.name)
    client.force_login(world.inspector)
    assert client.get(photo.image.url).status_code == 404
    assert client.get(photo.thumbnail.url).status_code == 200


def test_the_api_serves_the_photo_from_the_bucket(world, category, bucket):
    from tests.api.conftest import API, client_for

    hazard = services.report_hazard(
        actor=world.inspector,
        category=category,
        description="配电箱敞开",
        enterprise=world.tenant1,
        photos=[f.photo_upload()],
    )
    photo = hazard.photos.get()
    own = client_for(world.inspector).get(f"{API}photos/{photo.pk}/image/")
    assert own.status_code == 200 and content(own) == bucket.read(photo.image.name)
    assert client_for(world.inspector_b).get(f"{API}photos/{photo.pk}/image/").status_code == 404


# --- documents: the assessment report, sign-in sheets, drill photos, letter scans ------------------------


def test_the_assessment_report_attached_to_a_submission_is_stored_and_downloadable(client, world, bucket):
    major = f.HazardCategoryFactory(code="OS02", name="粉尘防爆", default_severity="major", deadline_days=30)
    hazard = services.report_hazard(actor=world.inspector, category=major, description="粉尘", enterprise=world.tenant1)
    ticket = services.create_ticket([hazard], actor=world.manager)
    services.assign_ticket(
        ticket, actor=world.manager, measures="加装泄爆装置", funds=50000, responsible_person="张三", contingency="停产"
    )
    client.force_login(world.enterprise_user)
    report = SimpleUploadedFile("评估报告.pdf", PDF, content_type="application/pdf")
    response = client.post(
        reverse("cases:ticket_submit", args=[ticket.pk]),
        {"comment": "已整改", "photos": [f.photo_upload("after.jpg")], "assessment": report},
    )
    assert response.status_code == 302
    ticket.refresh_from_db()
    assert bucket.keys("assessments/") == [ticket.assessment_report.name]
    assert bucket.read(ticket.assessment_report.name) == PDF

    download = client.get(reverse("cases:ticket_assessment", args=[ticket.pk]))
    assert download.status_code == 200 and download["Content-Type"] == "application/pdf"
    assert content(download) == PDF
    client.force_login(world.inspector_b)
    assert client.get(reverse("cases:ticket_assessment", args=[ticket.pk])).status_code == 404


def test_signin_sheets_and_drill_photos_are_stored_and_never_overwrite_each_other(client, world, bucket):
    client.force_login(world.enterprise_user)
    sheets = [b"%PDF-1.4 first", b"%PDF-1.4 second"]
    for title, sheet in zip(("消防培训", "疏散演练"), sheets, strict=True):
        response = client.post(
            reverse("ledgers:drill_create"),
            {
                "kind": "drill",
                "held_on": time.strftime("%Y-%m-%d"),
                "title": title,
                "organiser": "企业安全办",
                "participants": "20",
                "enterprise": world.tenant1.pk,
                "signin_sheet": SimpleUploadedFile("签到表.pdf", sheet, content_type="application/pdf"),
                "photos": [f.photo_upload("现场.jpg")],
            },
        )
        assert response.status_code == 302, response.content.decode()[:500]
    first, second = Drill.objects.order_by("pk")
    assert first.signin_sheet.name != second.signin_sheet.name  # the same file name: two objects
    keys = bucket.keys("ledgers/")
    assert len(keys) == 4 and {first.signin_sheet.name, second.signin_sheet.name} <= set(keys)

    for drill, sheet in ((first, sheets[0]), (second, sheets[1])):
        download = client.get(reverse("ledgers:drill_signin_sheet", args=[drill.pk]))
        assert download.status_code == 200 and content(download) == sheet
        photo = drill.photos.get()
        assert content(client.get(reverse("ledgers:drill_photo", args=[drill.pk, photo.pk])))[:3] == b"\xff\xd8\xff"
    client.force_login(world.inspector_b)
    assert client.get(reverse("ledgers:drill_signin_sheet", args=[first.pk])).status_code == 404


def test_a_letter_scan_is_stored_and_served_in_scope(client, world, bucket):
    from ledgers.models import ResponsibilityLetter

    client.force_login(world.inspector)
    year = time.localtime().tm_year
    url = reverse("ledgers:letter_record", args=["landlord", world.parcel.pk]) + f"?year={year}"
    scan = SimpleUploadedFile("责任书.pdf", PDF, content_type="application/pdf")
    response = client.post(
        url, {"status": "signed", "signatory": "王房东", "signed_on": time.strftime("%Y-%m-%d"), "scan": scan}
    )
    assert response.status_code == 302
    letter = ResponsibilityLetter.objects.get()
    assert bucket.keys("ledgers/") == [letter.scan.name]
    download = client.get(reverse("ledgers:letter_scan", args=[letter.pk]))
    assert download.status_code == 200 and content(download) == PDF
    client.force_login(world.inspector_b)
    assert client.get(reverse("ledgers:letter_scan", args=[letter.pk])).status_code == 404


# --- the register import: checked on one request, confirmed on another (any app server) ----------------


def test_an_import_waits_in_the_bucket_between_check_and_confirm(client, world, bucket):
    text = io.StringIO()
    writer = csv.writer(text)
    writer.writerow(
        ["区块", "网格", "宗地编号", "宗地名称", "房东", "企业名称", "统一社会信用代码", "企业类型", "风险类型"]
    )
    writer.writerow(
        ["中申达", "中申达一网格", "ZSD-901", "中申达901号厂房", "王房东", "永康存储五金有限公司", "", "工业企业", ""]
    )
    upload = SimpleUploadedFile("台账.csv", text.getvalue().encode("utf-8-sig"), content_type="text/csv")
    client.force_login(world.manager_all)
    response = client.post(reverse("register:import"), {"file": upload})
    assert response.status_code == 302
    (token,) = client.session[SESSION_KEY]
    assert bucket.keys("imports/") == [f"imports/{client.session[SESSION_KEY][token]['file']}"]
    assert not Parcel.objects.filter(code="ZSD-901").exists()

    response = client.post(reverse("register:import_confirm", args=[token]))
    assert response.status_code == 302 and response["Location"] == reverse("cases:parcel_list")
    assert Parcel.objects.get(code="ZSD-901").tenants.get().name == "永康存储五金有限公司"
    assert bucket.keys("imports/") == []  # spent


def test_the_storage_links_to_the_app_and_not_to_the_bucket(bucket):
    storage = storages["default"]
    assert isinstance(storage, PrivateS3Storage) and storage.bucket_name == bucket.name
    assert storage.url("photos/2026/12/ab/ab cd.jpg") == "/media/photos/2026/12/ab/ab%20cd.jpg"
    assert default_storage.url("ledgers/2026/12/签到表.pdf") == "/media/ledgers/2026/12/%E7%AD%BE%E5%88%B0%E8%A1%A8.pdf"
