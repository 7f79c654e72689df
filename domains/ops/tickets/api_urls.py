"""API routes of the O&M tickets, included under /api/ by config/api_urls.py: /api/ops/tickets/ (see api.py)."""
from rest_framework.routers import SimpleRouter

from .api import TicketViewSet

router = SimpleRouter()
router.register("ops/tickets", TicketViewSet, basename="ops-ticket")

urlpatterns = router.urls
