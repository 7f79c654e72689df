"""The probe metrics a checklist item can name: what each measures, on which kind of target, in which unit.

Seed 004 (系统巡检类服务) asks for: core users' and index tablespaces (over 90% -> expand at once), table locks
held long, CPU and active sessions on the database console, service crashes (more than 5 services down behind
one load-balanced address -> early-warning response), service logs and storage space (disks never full).
CPU and archive-log housekeeping have no portable probe and are manual items."""
from dataclasses import dataclass

POSTGRESQL, HTTP, DISK = "postgresql", "http", "disk"
TARGET_KINDS = [(POSTGRESQL, "PostgreSQL数据库"), (HTTP, "HTTP应用（负载均衡地址）"), (DISK, "主机磁盘")]


@dataclass(frozen=True)
class Metric:
    label: str
    kind: str  # the target kind that measures it
    unit: str
    keyed: bool = False  # one value per tablespace / backend / path, else one per target
    percent: bool = False


METRICS = {
    "pg_tablespace_pct": Metric("表空间使用率", POSTGRESQL, "%", keyed=True, percent=True),
    "pg_db_size": Metric("数据库大小", POSTGRESQL, "MB"),
    "pg_long_locks": Metric("长时间锁等待会话数", POSTGRESQL, "个"),
    "pg_active_sessions": Metric("活动会话数", POSTGRESQL, "个"),
    "pg_connections": Metric("连接数", POSTGRESQL, "个"),
    "pg_connections_pct": Metric("连接数占最大连接数比例", POSTGRESQL, "%", percent=True),
    "http_down": Metric("负载均衡地址下宕机服务数", HTTP, "个"),
    "http_latency": Metric("服务响应时间", HTTP, "毫秒", keyed=True),
    "disk_used_pct": Metric("磁盘使用率", DISK, "%", keyed=True, percent=True),
}
SHORT_KIND = {POSTGRESQL: "数据库", HTTP: "应用", DISK: "磁盘"}
METRIC_CHOICES = [(code, f"{m.label}（{SHORT_KIND[m.kind]}）") for code, m in METRICS.items()]


def kind_of(metric_code):
    return METRICS[metric_code].kind
