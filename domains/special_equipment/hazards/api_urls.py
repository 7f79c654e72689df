"""API routes of the hazard system, included under /api/ by config/api_urls.py:

    from domains.special_equipment.hazards.api_urls import urlpatterns as se_hazard_urls

/api/se/hazards/ (read, report, correct, delete; the workflow actions, item feedback and review, logs).
The signed machine push of inspection reports and their hazards is the inbound endpoint
se.inspection_report_push (/api/inbound/se.inspection_report_push/, see push.py)."""
from rest_framework.routers import SimpleRouter

from .api import MajorHazardViewSet

router = SimpleRouter()
router.register("se/hazards", MajorHazardViewSet, basename="se-majorhazard")

urlpatterns = router.urls
