"""Every photo shown as evidence says when (EXIF time, else upload time) and where (EXIF GPS) it was taken."""

import pytest
from django.urls import reverse
from django.utils import timezone

from cases.choices import PhotoKind
from cases.photos import save_photo
from tests import factories as f
from tests.cases.test_photos import image_bytes, phone_exif, upload

pytestmark = pytest.mark.django_db


@pytest.fixture(autouse=True)
def media_in_tmp(settings, tmp_path):
    settings.MEDIA_ROOT = tmp_path / "media"


def test_the_hazard_page_captions_photos_with_capture_time_and_place(client, world):
    hazard = f.HazardFactory(enterprise=world.tenant1, reporter=world.inspector)
    with_exif = image_bytes("JPEG", exif=phone_exif(taken="2023:12:01 09:30:15"))
    save_photo(upload(with_exif), uploaded_by=world.inspector, kind=PhotoKind.BEFORE, hazard=hazard)
    plain = save_photo(
        upload(image_bytes("PNG"), "x.png", "image/png"),
        uploaded_by=world.inspector,
        kind=PhotoKind.BEFORE,
        hazard=hazard,
    )

    client.force_login(world.manager)
    page = client.get(reverse("cases:hazard_detail", args=[hazard.pk])).content.decode()

    assert "拍摄 2023-12-01 09:30" in page
    assert "28.89000, 120.03500" in page  # 28°53′24″N 120°2′6″E
    assert f"上传 {timezone.localtime(plain.created_at):%Y-%m-%d %H:%M}" in page  # no EXIF time: when it came
    assert page.count('class="photo-caption"') == 2
