"""Menu entries and home cards of the supervision database (imported by MonitoringConfig.ready()).

The section "劳动监察" is shared with domains.labor.inspection (warnings, cases, grids, statistics), whose
entries come first (orders below 100); the supervision-database pages follow (orders 100-160)."""
from kernel.ui.home import HomeCard, register
from kernel.ui.menu import MenuItem, registry

SECTION = "劳动监察"
P = "labor_monitoring."

registry.section(SECTION, 40, "bi-cone-striped")
for label, url_name, perm, icon, order in (
        ("工程项目", "gov:labor_project_list", P + "view_project", "bi-building", 100),
        ("农民工实名信息", "gov:labor_worker_list", P + "view_worker", "bi-person-vcard", 110),
        ("工资专用账户", "gov:labor_account_list", P + "view_wageaccount", "bi-bank", 120),
        ("工资保证金", "gov:labor_deposit_list", P + "view_wagedeposit", "bi-safe", 130),
        ("保险保函信息查询", "gov:labor_guarantee_list", P + "view_guarantee", "bi-shield-check", 140),
        ("保函到期提醒库", "gov:labor_reminder_list", P + "view_guaranteereminder", "bi-bell", 150),
        ("差异化存储企业备案库", "gov:labor_differentiated_list", P + "view_differentiatedenterprise",
         "bi-journal-bookmark", 160)):
    registry.add(MenuItem(SECTION, label, url_name, perm, icon, order=order))


def _building_projects(user):
    from .models import Project

    return Project.objects.visible_to(user).filter(status=Project.Status.BUILDING).count()


def _expiring_guarantees(user):
    from .models import Guarantee
    from .services import expiring_guarantees

    return expiring_guarantees(Guarantee.objects.visible_to(user)).count()


register(HomeCard("在建项目", "bi-cone-striped", P + "view_project", _building_projects, "gov:labor_project_list",
                  order=40))
register(HomeCard("1个月内到期保函", "bi-shield-exclamation", P + "view_guarantee", _expiring_guarantees,
                  "gov:labor_guarantee_list", order=41))
