import pytest
from django.core.management import CommandError, call_command

from cases.choices import TicketStatus
from tests.timeline.tampering import as_superuser
from timeline.models import Event

pytestmark = pytest.mark.django_db


def test_verify_events_passes_then_detects_tampering(world, make_ticket, capsys):
    make_ticket(TicketStatus.ASSIGNED)
    call_command("verify_events")
    assert "校验通过" in capsys.readouterr().out
    last = Event.objects.order_by("-pk").first()
    with as_superuser():  # on PostgreSQL the ledger's triggers refuse the DELETE itself
        Event.objects.filter(pk=last.pk).delete()  # someone removes the newest record behind the app's back
    with pytest.raises(CommandError, match="断链"):
        call_command("verify_events")
