"""Permissions of the monitoring node given to the ops roles, the collection agent's role, the default alarm
thresholds and the alarm SMS template."""
from domains.ops.contracts.reference import grant
from kernel.accounts.reference import load_roles
from kernel.notify.models import SmsTemplate

P = "ops_monitoring."
VIEW = [P + p for p in ("view_node", "view_resource", "view_sample", "view_metricthreshold", "view_appmonitor",
                        "view_workorder", "view_upwardreport")] + ["alerts.view_warning"]
ENGINEER = VIEW + [P + p for p in ("add_resource", "change_resource", "delete_resource", "add_appmonitor",
                                   "change_appmonitor", "check_appmonitor", "add_workorder", "handle_workorder",
                                   "report_node", "replay_upwardreport")] + [
    "alerts.review_warning", "city_node_sim.view_receivedreport"]
MANAGER = ENGINEER + [P + p for p in ("change_node", "manage_keys", "add_metricthreshold", "change_metricthreshold",
                                      "dispatch_workorder", "evaluate_workorder")]
AGENT_ROLE = {"ops_agent": ("运维采集代理", "organisation", [P + "push_sample", P + "view_node", P + "view_resource"],
                            "采集代理（接入客户端）推送资源与性能数据")}
# (category or "" for all, metric, yellow, orange, red)
THRESHOLDS = [
    ("", "cpu_percent", 80, 90, 95), ("", "mem_percent", 85, 90, 95), ("", "disk_percent", 80, 90, 95),
    ("", "port_util_percent", 70, 85, 95), ("", "latency_ms", 1000, 3000, 5000),
    ("database", "sessions", 400, 450, 500),
]
SMS_TEMPLATES = [("ops_mon_alarm", "运维监控告警", "{subject}触发告警“{rule}”，等级：{level}，监测值：{value}。请及时处置。")]


def load():
    from .models import MetricThreshold

    grant("ops_engineer", ENGINEER)
    grant("ops_manager", MANAGER)
    grant("ops_requester", [P + "view_workorder", P + "add_workorder"])
    load_roles(AGENT_ROLE)
    made = 0
    for category, metric, yellow, orange, red in THRESHOLDS:
        _, created = MetricThreshold.objects.get_or_create(
            category=category, metric=metric, defaults={"yellow": yellow, "orange": orange, "red": red})
        made += created
    for code, name, text in SMS_TEMPLATES:
        SmsTemplate.objects.get_or_create(code=code, defaults={"name": name, "content": text})
    return f"告警阈值{made}条，采集代理角色1个"
