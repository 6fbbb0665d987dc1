"""The risk app's pages: risk points (points.py), patrols and coverage (patrols.py), plates and check-ins
(plates.py)."""
