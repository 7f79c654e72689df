"""Menu entry of the hazard statistics page (imported by HazardsConfig.ready())."""
from kernel.ui.menu import MenuItem, registry

registry.add(MenuItem("特种设备", "隐患统计分析", "gov:se_hazard_stats", perm="se_hazards.view_majorhazard",
                      icon="bi-bar-chart-line", order=75))
