"""``{% load parcel_state %}``: a parcel's close-out state (cases.parcel_states) as words and a colour,
for rows annotated with ``state`` (``parcel_state()``)."""

from django import template

from cases.parcel_states import STATE_COLOUR, ParcelState

register = template.Library()


@register.filter
def state_label(state):
    """``{{ parcel.state|state_label }}``: 红（有未整改隐患）, 待复核…, 绿…, 未排查."""
    try:
        return ParcelState(state).label
    except ValueError:
        return ""


@register.filter
def state_colour(state):
    """``{{ parcel.state|state_colour }}``: red, amber, green or grey (the .dot classes)."""
    return STATE_COLOUR.get(state, "grey")
