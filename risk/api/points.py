"""API: risk points (``risk-points/``)."""

ROUTES = []
PATHS = []
