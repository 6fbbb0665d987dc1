"""A photo over the server's limit is refused on the phone as soon as it is chosen, before upload, when the
phone cannot shrink it (a HEIC photo: JPEG, PNG and WebP photos are shrunk on the phone before they are
sent, tests/e2e/test_offline.py)."""

import os

from playwright.sync_api import expect

from tests.e2e.flows import jpeg, sign_in


def test_a_photo_over_the_limit_is_refused_before_it_is_uploaded(world, live_server, phone_page, settings, tmp_path):
    settings.PHOTO_MAX_BYTES = 50_000
    big = tmp_path / "现场大图.heic"  # an iPhone photo: the browser cannot redraw it smaller
    big.write_bytes(os.urandom(80_000))
    small = jpeg(tmp_path / "small.jpg", size=(160, 120))
    assert big.stat().st_size > 50_000 > small.stat().st_size

    page = sign_in(phone_page, live_server, world.inspector)
    page.goto("/cases/field/report/")
    page.get_by_role("link", name=world.tenant1.name).click()  # first the unit, then the form
    uploads = []
    page.on("request", lambda request: uploads.append(request) if request.method == "POST" else None)

    photos = page.locator("input[type=file][name=photos]")
    photos.set_input_files([str(small), str(big)])

    alert = page.locator(".upload-too-large[role=alert]")
    expect(alert).to_contain_text("现场大图.heic")
    expect(alert).to_contain_text("上限")
    assert photos.evaluate("input => input.files.length") == 0
    assert not uploads

    photos.set_input_files([str(small)])  # a photo within the limit is kept, and the message goes
    expect(alert).to_have_count(0)
    assert photos.evaluate("input => input.files.length") == 1
