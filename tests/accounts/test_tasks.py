"""touch_heartbeat_task: the worker's sign of life, a timestamp file under VAR_DIR."""

from datetime import datetime

from core.tasks import touch_heartbeat_task


def test_heartbeat_writes_the_time_under_var_dir(tmp_path, settings):
    settings.VAR_DIR = tmp_path

    path = touch_heartbeat_task("../elsewhere/heartbeat")

    assert path == str(tmp_path / "heartbeat")
    assert datetime.fromisoformat((tmp_path / "heartbeat").read_text()).tzinfo is not None
