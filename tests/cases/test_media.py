import pytest

from cases import services
from tests import factories as f

pytestmark = pytest.mark.django_db


def test_photos_are_served_only_to_users_who_may_see_the_case(client, world, category):
    hazard = services.report_hazard(
        actor=world.inspector,
        category=category,
        description="配电箱敞开",
        enterprise=world.tenant1,
        photos=[f.photo_upload()],
    )
    photo = hazard.photos.get()
    url = photo.image.url
    assert client.get(url).status_code == 302  # anonymous: to the login page
    client.force_login(world.inspector)
    response = client.get(url)
    assert response.status_code == 200 and response["Content-Type"] == "image/jpeg"
    assert client.get(photo.thumbnail.url).status_code == 200
    client.force_login(world.inspector_b)  # another zone's inspector
    assert client.get(url).status_code == 404
    client.force_login(world.enterprise_user)  # tenant1's own user
    assert client.get(url).status_code == 200
    assert client.get("/media/imports/whatever.xlsx").status_code == 404
