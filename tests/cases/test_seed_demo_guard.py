"""`seed_demo --reset` refuses to wipe a database that holds real data (accounts or units the demo did not
create) unless `--force`."""

import pytest
from django.core.management import CommandError, call_command

from accounts.models import User
from cases.models import Hazard
from demo.models import DemoStamp
from register.models import Enterprise, Zone
from tests import factories as f


def counts():
    return (User.objects.count(), Zone.objects.count(), Enterprise.objects.count(), Hazard.objects.count())


def test_reset_refuses_real_data_and_force_overrides(world, settings, tmp_path):
    settings.MEDIA_ROOT = tmp_path
    f.HazardFactory(enterprise=world.tenant1)
    before = counts()

    with pytest.raises(CommandError) as refused:
        call_command("seed_demo", "--reset")
    message = str(refused.value)
    assert "--force" in message and "真实数据" in message and "账号" in message and "企业" in message
    assert counts() == before  # nothing touched

    call_command("seed_demo", "--reset", "--force")
    assert not User.objects.filter(username="manager-a").exists()
    assert User.objects.filter(username="demo-manager").exists()
    assert DemoStamp.objects.count() == 1

    # A demo database resets without --force …
    call_command("seed_demo", "--reset")
    # … until someone adds an account or a unit of their own.
    f.UserFactory(username="real-inspector")
    with pytest.raises(CommandError, match="账号 1"):
        call_command("seed_demo", "--reset")
    assert User.objects.filter(username="real-inspector").exists()
