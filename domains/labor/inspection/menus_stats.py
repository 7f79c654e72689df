"""Menu entries of the warning statistics, the combined queries and the big screen (imported by
InspectionConfig.ready()); section 劳动监察, shared with the supervision database (orders 10-80) and the
other inspection pages."""
from kernel.ui.menu import MenuItem, registry

from .reference import LABOUR_VIEW

SECTION = "劳动监察"
VIEW = LABOUR_VIEW

for label, url_name, perm, icon, order in (
        ("预警统计分析", "gov:labor_stats", VIEW, "bi-bar-chart-line", 170),
        ("预警大屏", "gov:labor_screen", VIEW, "bi-display", 175),
        ("预警信息查询", "gov:labor_stats_warnings", VIEW, "bi-search", 180),
        ("单位信息查询", "gov:labor_stats_units", VIEW, "bi-buildings", 185),
        ("操作日志查询", "gov:labor_stats_logs", (*VIEW, "labor_inspection.view_complaint"), "bi-journal-check", 190)):
    registry.add(MenuItem(SECTION, label, url_name, perm, icon, order=order))
