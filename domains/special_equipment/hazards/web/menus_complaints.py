"""Agency-entrance menu entry and home card of public complaints (imported by HazardsConfig.ready())."""
from kernel.ui.home import HomeCard
from kernel.ui.home import register as register_card
from kernel.ui.menu import MenuItem, registry

SECTION = "特种设备"
registry.add(MenuItem(SECTION, "投诉举报", "gov:se_complaint_list", perm="se_hazards.view_complaint",
                      icon="bi-megaphone", order=70))


def _open_complaints(user):
    """Complaints of the jurisdiction waiting for review or being verified."""
    from ..models import Complaint

    return Complaint.objects.visible_to(user).filter(status__in=("submitted", "verifying")).count()


register_card(HomeCard("待办投诉举报", "bi-megaphone", "se_hazards.change_complaint", _open_complaints,
                       "gov:se_complaint_list", order=34))
