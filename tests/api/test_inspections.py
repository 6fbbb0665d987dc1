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
