"""Page views, one module per area: home, tickets, hazards, field (inspector), desk (manager), dashboard."""

from .home import HomeView

__all__ = ["HomeView"]
