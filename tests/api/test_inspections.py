"""Inspections through the API: checklist results raise hazards for the failed items; roles and scope."""

from cases.models import Hazard
from tests import factories as f
from tests.api.conftest import API
from tests.api.helpers import post


def test_inspection_with_checklist_results_reports_failed_items(world, clients, category):
    from catalogue.models import Checklist, ChecklistItem

    checklist = Checklist.objects.create(code="api-test", name="测试检查表")
    ok_item = ChecklistItem.objects.create(checklist=checklist, order=1, text="灭火器在有效期内", category=category)
    bad_item = ChecklistItem.objects.create(checklist=checklist, order=2, text="电气线路规范敷设", category=category)
    response = post(
        clients.inspector,
        "inspections/",
        {
            "enterprise": world.tenant1.pk,
            "source": "grid",
            "checklist": checklist.pk,
            "notes": "例行检查",
            "results": [
                {"item": ok_item.pk, "passed": True},
                {"item": bad_item.pk, "passed": False, "note": "私拉电线"},
            ],
        },
    )
    assert response.status_code == 201, response.data
    body = response.data
    assert body["result"] == "hazards_found" and len(body["hazards"]) == 1
    assert [(i["item"], i["passed"]) for i in body["items"]] == [(ok_item.pk, True), (bad_item.pk, False)]
    hazard = Hazard.objects.get(pk=body["hazards"][0])
    assert hazard.description == "电气线路规范敷设：私拉电线" and hazard.inspection_id == body["id"]


def test_inspection_multipart_with_results_as_json_and_photos(world, clients, category):
    from catalogue.models import Checklist, ChecklistItem

    checklist = Checklist.objects.create(code="api-test-2", name="测试检查表二")
    item = ChecklistItem.objects.create(checklist=checklist, order=1, text="疏散通道畅通", category=category)
    response = post(
        clients.inspector,
        "inspections/",
        {
            "parcel": world.parcel.pk,
            "checklist": checklist.pk,
            "results": f'[{{"item": {item.pk}, "passed": true}}]',
            "photos": [f.photo_upload()],
        },
        fmt="multipart",
    )
    assert response.status_code == 201, response.data
    assert response.data["result"] == "passed" and len(response.data["photos"]) == 1


def test_inspection_roles_and_scope(world, clients):
    assert post(clients.leader, "inspections/", {"enterprise": world.tenant1.pk}).status_code == 403
    response = post(clients.inspector, "inspections/", {"enterprise": world.other_b.pk})
    assert response.status_code == 400 and "enterprise" in response.data
    response = post(clients.inspector, "inspections/", {"enterprise": world.tenant1.pk, "source": "nonsense"})
    assert response.status_code == 400 and "source" in response.data
    response = post(clients.enterprise_user, "inspections/", {"enterprise": world.tenant1.pk, "source": "grid"})
    assert response.status_code == 201 and response.data["source"] == "self_check"
    inspection_id = response.data["id"]
    assert clients.inspector.get(f"{API}inspections/{inspection_id}/").status_code == 200
    assert clients.inspector_b.get(f"{API}inspections/{inspection_id}/").status_code == 404
    assert clients.manager.get(f"{API}inspections/", {"source": "self_check"}).data["count"] == 1


def test_a_failed_items_photos_sent_with_the_inspection_are_its_hazards_evidence(world, clients, category):
    """The bug seen: a checklist inspection's hazards had no photos. Each item's photos come as
    ``item_photos_<item id>``; a failed item's are the hazard's 'before' photos (one row, no copy)."""
    from catalogue.models import Checklist, ChecklistItem

    checklist = Checklist.objects.create(code="api-test-3", name="测试检查表三")
    bad = ChecklistItem.objects.create(checklist=checklist, order=1, text="灭火器在有效期内", category=category)
    na = ChecklistItem.objects.create(checklist=checklist, order=2, text="危化品仓库", category=category)
    response = post(
        clients.inspector,
        "inspections/",
        {
            "enterprise": world.tenant1.pk,
            "checklist": checklist.pk,
            "results": f'[{{"item": {bad.pk}, "passed": false, "note": "过期"}}, {{"item": {na.pk}, "passed": null}}]',
            f"item_photos_{bad.pk}": [f.photo_upload("bad.jpg")],
            "photos": [f.photo_upload("site.jpg")],
        },
        fmt="multipart",
    )
    assert response.status_code == 201, response.data
    assert [(i["item"], i["passed"]) for i in response.data["items"]] == [(bad.pk, False), (na.pk, None)]
    (hazard_id,) = response.data["hazards"]
    assert len(response.data["photos"]) == 2  # the item's photo is the inspection's too
    hazard = clients.inspector.get(f"{API}hazards/{hazard_id}/").data
    assert [(p["kind"], p["original_name"]) for p in hazard["photos"]] == [("before", "bad.jpg")]
    assert hazard["inspection"] == response.data["id"]


def test_item_photos_must_name_an_answered_item(world, clients, category):
    from catalogue.models import Checklist, ChecklistItem

    checklist = Checklist.objects.create(code="api-test-4", name="测试检查表四")
    item = ChecklistItem.objects.create(checklist=checklist, order=1, text="疏散通道畅通", category=category)
    body = {
        "enterprise": world.tenant1.pk,
        "checklist": checklist.pk,
        "results": f'[{{"item": {item.pk}, "passed": false}}]',
    }
    response = post(clients.inspector, "inspections/", {**body, "item_photos_x": [f.photo_upload()]}, fmt="multipart")
    assert response.status_code == 400 and "item_photos_x" in str(response.data)
    response = post(
        clients.inspector, "inspections/", {**body, f"item_photos_{item.pk + 99}": [f.photo_upload()]}, fmt="multipart"
    )
    assert response.status_code == 400 and response.data["code"] == "item_not_in_results"
    assert not Hazard.objects.exists()
