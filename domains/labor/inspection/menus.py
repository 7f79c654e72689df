"""Agency-entrance menu and home cards of labour-inspection warning disposition: labour warnings, complaint
registrations and case supervision, grids (imported by InspectionConfig.ready())."""
from kernel.ui.home import HomeCard
from kernel.ui.home import register as register_card
from kernel.ui.menu import MenuItem, registry

from .reference import LABOUR_VIEW

SECTION = "劳动监察"
registry.section(SECTION, 40, "bi-person-badge")
for order, (label, url_name, perm, icon) in enumerate([
    ("欠薪预警审核", "gov:labor_warning_list", LABOUR_VIEW, "bi-exclamation-diamond"),
    ("投诉举报登记", "gov:labor_complaint_list", "labor_inspection.view_complaint", "bi-journal-text"),
    ("网格管理", "gov:labor_grid_list", "labor_inspection.view_grid", "bi-grid-3x3-gap"),
    ("网格预警统计", "gov:labor_grid_stats", ("labor_inspection.view_grid", *LABOUR_VIEW), "bi-bar-chart-steps"),
]):
    registry.add(MenuItem(SECTION, label, url_name, perm=perm, icon=icon, order=20 + 10 * order))


def _open_cases(user):
    from .models import Complaint
    from .workflows import OPEN_STATES

    return Complaint.objects.visible_to(user).filter(status__in=OPEN_STATES).count()


def _overdue_cases(user):
    from .models import Complaint
    from .services import overdue_q

    return Complaint.objects.visible_to(user).filter(overdue_q()).count()


register_card(HomeCard("办理中的投诉举报案件", "bi-journal-text", "labor_inspection.view_complaint", _open_cases,
                       "gov:labor_complaint_list", order=40))
register_card(HomeCard("超期案件", "bi-alarm", "labor_inspection.view_complaint", _overdue_cases,
                       "gov:labor_complaint_list", order=41))
