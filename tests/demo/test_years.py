"""`seed_demo --years N`: the rectified history over N years at the same daily rhythm (the million-hazard
benchmark is `--scale city --years 5`); the default scales stay as they were."""

from datetime import date

import pytest
from django.core.management import CommandError, call_command

from demo.common import SCALES, grown
from register.models import Zone


def test_one_year_is_the_scale_itself():
    for scale in SCALES.values():
        assert grown(scale, 1) is scale
        assert scale.years == 1 and scale.history_start == date(2023, 1, 3)


def test_city_over_five_years_is_about_a_million_hazards():
    city = SCALES["city"]
    big = grown(city, 5)
    assert big.history_start == date(2019, 1, 3)
    assert big.open == city.open and big.open_split == city.open_split  # today's work as it was
    assert (big.yesterday_new, big.recent_rectified) == (city.yesterday_new, city.recent_rectified)
    assert big.inspections == 5 * city.inspections
    assert (big.rectified_general, big.rectified_major) == (5 * city.rectified_general, 5 * city.rectified_major)
    assert big.found == 993_530
    assert big.found + big.duplicates + big.invalid == 1_004_030  # the hazards table


def test_years_needs_a_bulk_scale_and_changes_nothing(db):
    with pytest.raises(CommandError, match="--years"):
        call_command("seed_demo", "--scale", "small", "--years", "2")
    with pytest.raises(CommandError, match="--years"):
        call_command("seed_demo", "--scale", "seed", "--years", "0")
    assert not Zone.objects.exists()
