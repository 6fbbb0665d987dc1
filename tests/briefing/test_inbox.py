"""The in-app message centre: a party's messages with links to the tickets, marked read, scoped to their
owner; the header's unread count; the preferences; the admin of the group robots, scoped by zone."""

import re

import pytest
from django.contrib.auth.models import Permission
from django.urls import reverse

from briefing.choices import RobotKind
from briefing.models import GroupRobot, InboxMessage, OutreachPreference
from cases import services
from tests import factories as f

pytestmark = pytest.mark.django_db


@pytest.fixture
def assigned(party, pending_ticket, run, settings):
    """tenant1's ticket assigned: its owner's inbox holds the message (SMS off)."""
    settings.SMS_BACKEND = ""
    return run(services.assign_ticket, pending_ticket, actor=party.manager)


def test_the_party_sees_their_message_with_a_link_to_the_ticket_and_the_unread_count(client, party, assigned):
    client.force_login(party.enterprise_user)

    page = client.get(reverse("briefing:inbox")).content.decode()

    assert "消息中心" in page and "整改单已交办" in page
    assert f"整改单 {assigned.number} 已交办给永康甲五金有限公司" in page
    assert f'value="{assigned.get_absolute_url()}"' in page  # "查看整改单" goes to the ticket
    assert 'data-inbox-unread="1"' in page  # the header's badge


def test_opening_a_message_marks_it_read_and_goes_to_the_ticket(client, party, assigned):
    client.force_login(party.enterprise_user)
    message = InboxMessage.objects.get()

    response = client.post(reverse("briefing:inbox_read", args=[message.pk]), {"next": assigned.get_absolute_url()})

    assert response.status_code == 302 and response["Location"] == assigned.get_absolute_url()
    message.refresh_from_db()
    assert message.read_at is not None
    assert "data-inbox-unread" not in client.get(reverse("briefing:inbox")).content.decode()
    assert client.get(assigned.get_absolute_url()).status_code == 200


def test_another_users_message_is_not_listed_and_answers_404(client, party, assigned):
    other = f.UserFactory(username="tenant2-owner", role="enterprise", phone="13900000002")
    other.enterprises.add(party.tenant2)
    client.force_login(other)
    message = InboxMessage.objects.get()

    assert assigned.number not in client.get(reverse("briefing:inbox")).content.decode()
    assert client.post(reverse("briefing:inbox_read", args=[message.pk])).status_code == 404
    client.post(reverse("briefing:inbox_read_all"))
    message.refresh_from_db()
    assert message.read_at is None


def test_mark_all_read(client, party, assigned):
    client.force_login(party.enterprise_user)
    response = client.post(reverse("briefing:inbox_read_all"), follow=True)
    assert "已将 1 条消息标为已读" in response.content.decode()
    assert not InboxMessage.objects.unread().exists()


def test_the_inbox_needs_a_sign_in(client):
    response = client.get(reverse("briefing:inbox"))
    assert response.status_code == 302 and "login" in response["Location"]


def test_preferences_are_kept_per_user(client, party):
    party.enterprise_user.phone = "13800000001"
    party.enterprise_user.save(update_fields=["phone"])
    client.force_login(party.enterprise_user)
    page = client.get(reverse("briefing:inbox")).content.decode()
    assert re.search(r'name="sms"[^>]* checked', page)  # a party with a mobile: SMS on by default

    client.post(reverse("briefing:inbox_preferences"), {"inbox": "on", "robots": "on"})

    preference = OutreachPreference.objects.get(user=party.enterprise_user)
    assert (preference.inbox, preference.robots, preference.sms) == (True, True, False)
    assert not re.search(r'name="sms"[^>]* checked', client.get(reverse("briefing:inbox")).content.decode())


def test_the_inbox_in_english(client, party, assigned):
    party.enterprise_user.language = "en"
    party.enterprise_user.save(update_fields=["language"])
    client.force_login(party.enterprise_user)

    client.cookies["django_language"] = "en"
    page = client.get(reverse("briefing:inbox")).content.decode()

    assert "Messages" in page and "Ticket assigned" in page
    assert f"Ticket {assigned.number} was assigned to" in page


def test_zone_staff_configure_only_their_zones_robots(client, party):
    manager = party.manager
    manager.is_staff = True
    manager.save()
    manager.user_permissions.add(*Permission.objects.filter(codename__endswith="_grouprobot"))
    GroupRobot.objects.create(
        name="A1 群", kind=RobotKind.WECOM, grid=party.grid_a1, url="https://qyapi.weixin.qq.com/x?key=k"
    )
    GroupRobot.objects.create(
        name="花川群", kind=RobotKind.DINGTALK, zone=party.zone_b, url="https://oapi.dingtalk.com/r?access_token=t"
    )
    client.force_login(manager)

    listing = client.get(reverse("admin:briefing_grouprobot_changelist"))
    assert [str(r) for r in listing.context["cl"].result_list] == ["A1 群 (企业微信)"]
    assert "key=k" not in listing.content.decode()  # the robot's key is not shown in the list

    add = client.get(reverse("admin:briefing_grouprobot_add")).content.decode()
    assert "中申达一网格" in add and "花川一网格" not in add
    response = client.post(reverse("admin:briefing_grouprobot_add"), {
        "name": "B 群", "kind": "wecom", "grid": party.grid_b1.pk, "url": "https://qyapi.weixin.qq.com/b", "enabled": "on",
    })  # fmt: skip
    assert response.status_code == 200 and not GroupRobot.objects.filter(name="B 群").exists()
    response = client.post(reverse("admin:briefing_grouprobot_add"), {
        "name": "A2 群", "kind": "dingtalk", "grid": party.grid_a2.pk, "url": "https://oapi.dingtalk.com/a2?access_token=t",
        "secret": "SECa2", "enabled": "on",
    })  # fmt: skip
    assert response.status_code == 302
    robot = GroupRobot.objects.get(name="A2 群")
    assert robot.secret == "SECa2"
    # changed without typing the secret again: it is kept
    client.post(reverse("admin:briefing_grouprobot_change", args=[robot.pk]), {
        "name": "A2 群聊", "kind": "dingtalk", "grid": party.grid_a2.pk, "url": robot.url, "secret": "", "enabled": "on",
    })  # fmt: skip
    robot.refresh_from_db()
    assert (robot.name, robot.secret) == ("A2 群聊", "SECa2")


def test_the_inbox_runs_the_same_queries_for_one_message_and_thirty(
    client, party, assigned, django_assert_max_num_queries
):
    client.force_login(party.enterprise_user)
    url = reverse("briefing:inbox")
    with django_assert_max_num_queries(30) as captured:
        client.get(url)
    one = len(captured)
    for n in range(29):
        InboxMessage.objects.create(key=f"extra:{n}", user=party.enterprise_user, kind="overdue", ticket=assigned,
                                    data={"number": assigned.number, "days": n, "deadline": "2024-03-01"})  # fmt: skip
    with django_assert_max_num_queries(one):
        page = client.get(url).content.decode()
    assert page.count("data-message=") == 30 and 'data-inbox-unread="30"' in page


def test_the_admin_shows_messages_only_within_the_staff_users_scope(client, party, assigned):
    for manager, expected in ((party.manager, 1), (f.UserFactory(username="manager-b-staff", role="manager"), 0)):
        if expected == 0:
            manager.zones.add(party.zone_b)
        manager.is_staff = True
        manager.save()
        manager.user_permissions.add(*Permission.objects.filter(codename__in=["view_inboxmessage"]))
        client.force_login(manager)
        listing = client.get(reverse("admin:briefing_inboxmessage_changelist"))
        assert listing.status_code == 200 and len(listing.context["cl"].result_list) == expected
