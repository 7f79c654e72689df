"""API routes of the equipment registry, to be included under /api/ by config/api_urls.py:

    from domains.special_equipment.equipment.api_urls import urlpatterns as se_equipment_urls
    urlpatterns = ... + se_equipment_urls

/api/se/equipment/ (read-only) and /api/se/reports/ (read, create, correct own reports)."""
from rest_framework.routers import SimpleRouter

from .api import EquipmentViewSet, InspectionReportViewSet

router = SimpleRouter()
router.register("se/equipment", EquipmentViewSet, basename="se-equipment")
router.register("se/reports", InspectionReportViewSet, basename="se-inspectionreport")

urlpatterns = router.urls
