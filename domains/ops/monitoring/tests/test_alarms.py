"""Alarms (seed 002 §2.5): a metric at a threshold (per resource type and metric, as data) raises one warning
through the alert engine, whatever the number of scans, and it follows the value; application monitors are
coloured by real HTTP requests (green normal, yellow slow, red down) and a down or slow application alarms."""
import http.server
import socket
import threading
import time

import pytest

from domains.ops.monitoring import services
from domains.ops.monitoring.alerts import APP_STATE, THRESHOLD
from domains.ops.monitoring.models import AppMonitor, MetricThreshold
from kernel.alerts.models import Warning
from kernel.notify.models import InAppMessage, SmsMessage

from .support import person, resource

pytestmark = pytest.mark.django_db


def scan():
    return services.scan_alarms()[THRESHOLD]


def test_default_thresholds_are_data():
    rows = {(t.category, t.metric): (t.yellow, t.orange, t.red) for t in MetricThreshold.objects.all()}
    assert rows[("", "cpu_percent")] == (80, 90, 95)
    assert rows[("", "disk_percent")] == (80, 90, 95)
    assert rows[("database", "sessions")] == (400, 450, 500)


def test_a_threshold_breach_raises_one_warning_that_follows_the_value(node, django_capture_on_commit_callbacks):
    engineer = person(node.organisation, "ops_engineer")
    db = resource(node, "XN-DB-01", "database", "政务服务数据库")
    services.record_samples(db, {"cpu_percent": 85})
    with django_capture_on_commit_callbacks(execute=True):
        stats = scan()
    assert (stats["matched"], stats["raised"]) == (1, 1)
    assert scan()["raised"] == 0 and scan()["raised"] == 0  # one open warning per subject and rule
    w = Warning.objects.get(rule__code=THRESHOLD)
    assert (w.level, w.value, w.subject_repr) == ("yellow", "85.0", "XN-DB-01 政务服务数据库·CPU使用率")
    assert w.region == node.organisation.region and w.organisation == node.organisation
    assert InAppMessage.objects.filter(recipient=engineer, title__contains="政务服务数据库").count() == 1
    sms = SmsMessage.objects.get(template__code="ops_mon_alarm")
    assert "等级：黄色" in sms.content and "监测值：85.0" in sms.content
    services.record_samples(db, {"cpu_percent": 96})
    assert scan()["changed"] == 1
    assert Warning.objects.get(rule__code=THRESHOLD).level == "red"
    services.record_samples(db, {"cpu_percent": 91})
    scan()
    assert Warning.objects.get(rule__code=THRESHOLD).level == "orange"  # falls with the value
    services.record_samples(db, {"cpu_percent": 50})
    assert scan()["released"] == 1
    assert Warning.objects.get(rule__code=THRESHOLD).status == "released"
    assert Warning.objects.filter(rule__code=THRESHOLD).count() == 1


def test_a_category_threshold_wins_over_the_general_one(node):
    db = resource(node, "XN-DB-01", "database")
    fw = resource(node, "XN-FW-01", "firewall")
    MetricThreshold.objects.create(category="database", metric="cpu_percent", yellow=50, orange=None, red=70)
    services.record_samples(db, {"cpu_percent": 60})
    services.record_samples(fw, {"cpu_percent": 60})
    scan()
    assert list(Warning.objects.values_list("subject_repr", "level")) == [("XN-DB-01 XN-DB-01·CPU使用率", "yellow")]
    MetricThreshold.objects.filter(category="database").update(enabled=False)  # off for databases only
    services.record_samples(db, {"cpu_percent": 99})
    assert scan()["released"] == 1
    assert not Warning.objects.filter(status="generated").exists()



def test_a_nodes_own_threshold_wins_for_its_resources_only(node):
    from .support import make_node

    other = make_node(region="450103", code="QX450103YW01")
    mine, theirs = resource(node, "XN-DB-01", "database"), resource(other, "QX-DB-01", "database")
    MetricThreshold.objects.create(node=node, category="", metric="cpu_percent", yellow=50, orange=None, red=60)
    services.record_samples(mine, {"cpu_percent": 65})
    services.record_samples(theirs, {"cpu_percent": 65})  # the platform default (yellow 80) still rules here
    scan()
    assert list(Warning.objects.values_list("subject_repr", "level")) == [("XN-DB-01 XN-DB-01·CPU使用率", "red")]
    with pytest.raises(Exception):  # noqa: B017 - one row per node, category and metric
        MetricThreshold(node=node, category="", metric="cpu_percent", yellow=40).full_clean()

def test_threshold_values_are_validated_in_chinese():
    from django.core.exceptions import ValidationError

    t = MetricThreshold(metric="cpu_percent", yellow=90, orange=80)
    with pytest.raises(ValidationError) as exc:
        t.full_clean()
    assert exc.value.message_dict["orange"] == ["橙色告警阈值不能低于黄色告警阈值"]
    with pytest.raises(ValidationError) as exc:
        MetricThreshold(metric="cpu_percent", category="firewall", red=150).full_clean()
    assert exc.value.message_dict["red"] == ["阈值应在0至100之间"]
    with pytest.raises(ValidationError) as exc:
        MetricThreshold(metric="load1", category="firewall").full_clean()
    assert exc.value.message_dict["yellow"] == ["请至少填写一个告警阈值"]


class Handler(http.server.BaseHTTPRequestHandler):
    def do_GET(self):  # noqa: N802
        if self.path == "/slow":
            time.sleep(0.3)
        status = 500 if self.path == "/fail" else 200
        self.send_response(status)
        self.send_header("Content-Type", "text/plain")
        self.end_headers()
        self.wfile.write(b"ok")

    def log_message(self, *args):
        pass


@pytest.fixture
def web():
    server = http.server.ThreadingHTTPServer(("127.0.0.1", 0), Handler)
    thread = threading.Thread(target=server.serve_forever, daemon=True)
    thread.start()
    yield f"http://127.0.0.1:{server.server_address[1]}"
    server.shutdown()
    server.server_close()


def closed_port():
    s = socket.socket()
    s.bind(("127.0.0.1", 0))
    port = s.getsockname()[1]
    s.close()
    return port


def test_application_colours_from_real_requests(node, web, client):
    app = resource(node, "XN-BS-01", "business_system", "一窗综合受理系统")
    monitors = {name: AppMonitor.objects.create(node=node, name=name, url=url, slow_ms=150, resource=app)
                for name, url in (("正常", web + "/ok"), ("缓慢", web + "/slow"), ("出错", web + "/fail"),
                                  ("停机", f"http://127.0.0.1:{closed_port()}/"))}
    counts = services.check_apps(timeout=3)
    assert counts == {"unknown": 0, "normal": 1, "slow": 1, "down": 2}
    got = {m.name: (m.last_status, m.colour, m.last_http_status) for m in AppMonitor.objects.all()}
    assert got["正常"] == ("normal", "#198754", 200)
    assert got["缓慢"] == ("slow", "#e0a800", 200)
    assert got["出错"] == ("down", "#dc3545", 500)
    assert got["停机"][:2] == ("down", "#dc3545") and got["停机"][2] is None
    assert AppMonitor.objects.get(name="缓慢").last_latency_ms >= 300
    assert AppMonitor.objects.get(name="停机").last_error == "连接被拒绝"
    assert app.samples.filter(metric="latency_ms").count() == 3  # the three answers timed
    stats = services.scan_alarms()[APP_STATE]
    assert stats["raised"] == 3
    levels = dict(Warning.objects.filter(rule__code=APP_STATE).values_list("subject_repr", "level"))
    assert levels == {"缓慢": "yellow", "出错": "red", "停机": "red"}
    monitors["出错"].url = web + "/ok"
    monitors["出错"].save()
    services.check_app(monitors["出错"])
    assert services.scan_alarms()[APP_STATE]["released"] == 1


def test_alarm_page_statistics_and_scope(client, node, manager, other_county_user):
    db = resource(node, "XN-DB-01", "database", "政务服务数据库")
    fw = resource(node, "XN-FW-01", "firewall", "出口防火墙")
    services.record_samples(db, {"sessions": 460})  # orange: 450
    services.record_samples(fw, {"cpu_percent": 96})  # red: 95
    client.force_login(manager)
    response = client.post("/gov/ops/monitoring/alarms/", follow=True)
    page = response.content.decode()
    assert "告警扫描完成：新产生2条" in page
    ctx = client.get("/gov/ops/monitoring/alarms/").context
    assert ctx["total"] == 2
    assert sorted((r["name"], r["value"]) for r in ctx["chart"]["level"]) == [("橙色", 1), ("红色", 1)]
    assert sorted(ctx["chart"]["type"]) == [["数据库", 1], ["防火墙", 1]]
    assert sum(v for _, v in ctx["chart"]["day"]) == 2
    client.force_login(other_county_user)
    assert client.get("/gov/ops/monitoring/alarms/").context["total"] == 0
