"""API: today's patrol (``patrols/today/``), coverage (``patrols/coverage/``), check-ins (``checkins/``)."""

ROUTES = []
PATHS = []
