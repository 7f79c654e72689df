from django.urls import path
from rest_framework.routers import DefaultRouter

from kernel.accounts.api import ObtainTokenView, UserViewSet
from kernel.audit.api import ChangeLogViewSet, OperationLogViewSet
from kernel.dicts.api import DictItemViewSet
from kernel.org.api import OrganisationViewSet, RegionViewSet

router = DefaultRouter()
router.register("org/regions", RegionViewSet, basename="region")
router.register("org/organisations", OrganisationViewSet, basename="organisation")
router.register("accounts/users", UserViewSet, basename="user")
router.register("audit/changes", ChangeLogViewSet, basename="changelog")
router.register("audit/operations", OperationLogViewSet, basename="operationlog")
router.register("dicts/items", DictItemViewSet, basename="dictitem")

from domains.ops.tickets.api_urls import urlpatterns as ops_ticket_urls  # noqa: E402
from domains.special_equipment.equipment.api_urls import urlpatterns as se_equipment_urls  # noqa: E402
from domains.special_equipment.hazards.api_urls import urlpatterns as se_hazard_urls  # noqa: E402
from kernel.files.api_urls import urlpatterns as files_urls  # noqa: E402
from kernel.interfaces.api_urls import urlpatterns as interface_urls  # noqa: E402

urlpatterns = [path("auth/token/", ObtainTokenView.as_view(), name="api-token")] + interface_urls + files_urls + se_equipment_urls + se_hazard_urls + ops_ticket_urls + router.urls
