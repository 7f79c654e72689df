"""Dispatch to the department systems through their front-end databases, callbacks, the shadow table
and the recovery scan (seed 002 §2.4.8)."""
import pytest
from django.core.management import call_command
from django.db import connection

from domains.gov_services.one_window.models import Case
from domains.gov_services.one_window.tests.acceptance_support import QINGXIU, World
from integrations.department_sim import simulator
from integrations.department_sim.simulator import Department
from kernel.core.testing import make_agency
from kernel.files.models import Attachment
from kernel.notify.models import SmsMessage

from .. import services
from ..frontdb import FrontDB
from ..models import CallbackLog, ShadowRecord

pytestmark = pytest.mark.django_db


@pytest.fixture
def w():
    w = World()
    w.system = services.create_system(code="xn_invest", name="兴宁区投资项目审批系统", department=w.dept,
                                      secret="s3cret-xn")
    w.case = w.register()
    assert w.case.status == "accepted"
    return w


def state(case):
    return Case.objects.get(pk=case.pk).status


def sms(case, template):
    return SmsMessage.objects.filter(phone=case.applicant_phone, template__code=template)


def test_dispatch_writes_front_record_shadow_row_and_notifies(w):
    shadow = services.dispatch(w.case, w.clerk)
    assert state(w.case) == "dispatched"
    row = FrontDB("xn_invest").read_case(w.case.no, 1)
    assert row["matter_code"] == w.matter.code and row["status"] == "received"  # the department read it
    assert row["payload"]["applicant"]["phone"] == "13907719999"
    assert [m["file"]["sha256"] for m in row["payload"]["materials"] if m["file"]] == list(
        w.case.materials.exclude(attachment=None).order_by("pk").values_list("attachment__sha256", flat=True))
    assert len(row["payload"]["materials"]) >= 2
    assert (shadow.sbh, shadow.version, shadow.direction, shadow.stage, shadow.operator) == (
        w.case.no, 1, "out", "dispatch", "窗口甲")
    assert shadow.fetched_at and shadow.acknowledged_at
    assert simulator.INBOX["xn_invest"] == [{"type": "dispatch", "sbh": w.case.no, "version": 1,
                                             "matter_code": w.matter.code,
                                             "written_at": shadow.fetched_at.isoformat()}]
    assert w.system.secret_encrypted.startswith("sm4gcm$") and "s3cret" not in w.system.secret_encrypted


def test_failed_notification_keeps_case_dispatched_and_scan_resends(w):
    simulator.FAIL_NEXT["xn_invest"] = 1
    shadow = services.dispatch(w.case, w.clerk)
    assert state(w.case) == "dispatched" and shadow.acknowledged_at is None
    assert services.recover() == {"applied": 0, "refused": 0, "renotified": 1}
    shadow.refresh_from_db()
    assert shadow.acknowledged_at is not None
    assert services.recover()["renotified"] == 0


def test_full_sequence_moves_case_and_sms_applicant_each_stage(w):
    services.dispatch(w.case, w.clerk)
    dept = Department("xn_invest")
    status, answer = dept.progress(w.case.no, "correction", opinion="缺少项目选址意见书")
    assert (status, answer) == (200, {"code": "OK", "result": "applied"})
    assert state(w.case) == "correction"
    assert "缺少项目选址意见书" in sms(w.case, "gs_exchange_correction").get().content

    shadow2 = services.redispatch(Case.objects.get(pk=w.case.pk), w.clerk, comment="已补交选址意见书")
    assert shadow2.version == 2 and state(w.case) == "dispatched"
    assert FrontDB("xn_invest").read_case(w.case.no, 2) is not None

    assert dept.progress(w.case.no, "accept")[1]["result"] == "applied"
    assert state(w.case) == "dept_accepted"
    assert sms(w.case, "gs_exchange_dept_accepted").count() == 1

    assert dept.progress(w.case.no, "complete")[1]["result"] == "applied"
    case = Case.objects.get(pk=w.case.pk)
    assert case.status == "completed" and case.completed_at
    assert sms(w.case, "gs_exchange_completed").count() == 1
    result = Attachment.objects.get(object_id=case.pk, purpose="gs_exchange_file")
    assert result.original_name.endswith("结果.pdf") and result.extension == "pdf"
    rows = ShadowRecord.objects.filter(case=case).order_by("pk")
    assert [(r.direction, r.stage, r.version) for r in rows] == [
        ("out", "dispatch", 1), ("in", "correction", 1), ("out", "dispatch", 2), ("in", "accept", 2),
        ("in", "complete", 2)]
    assert all(r.fetched_at and r.operator for r in rows)


def test_replayed_callback_changes_nothing(w):
    services.dispatch(w.case, w.clerk)
    dept = Department("xn_invest")
    dept.progress(w.case.no, "accept")
    before = (ShadowRecord.objects.count(), SmsMessage.objects.count(), state(w.case))
    status, answer = dept.call_back(w.case.no, 1, "accept")  # the department sends it again (fresh nonce)
    assert (status, answer["result"]) == (200, "duplicate")
    assert (ShadowRecord.objects.count(), SmsMessage.objects.count(), state(w.case)) == before
    assert CallbackLog.objects.filter(outcome="duplicate", sbh=w.case.no).count() == 1
    # the very same request bytes (same nonce) are refused as a replay
    status, answer = dept.call_back(w.case.no, 1, "accept", nonce="n" * 20)
    status2, answer2 = dept.call_back(w.case.no, 1, "accept", nonce="n" * 20)
    assert status2 == 401 and "重放" in answer2["message"]
    assert (ShadowRecord.objects.count(), SmsMessage.objects.count(), state(w.case)) == before


def test_lost_notification_recovered_by_scan_exactly_once(w):
    services.dispatch(w.case, w.clerk)
    dept = Department("xn_invest")
    assert dept.progress(w.case.no, "accept", notify=False) is None  # the notification is lost
    assert state(w.case) == "dispatched"
    call_command("gs_exchange_scan", stdout=open("/dev/null", "w"))
    assert state(w.case) == "dept_accepted"
    shadow = ShadowRecord.objects.get(sbh=w.case.no, direction="in", stage="accept")
    assert shadow.source == "scan"
    assert services.recover() == {"applied": 0, "refused": 0, "renotified": 0}
    assert ShadowRecord.objects.filter(direction="in").count() == 1
    assert sms(w.case, "gs_exchange_dept_accepted").count() == 1
    # the late notification, when it finally arrives, changes nothing
    assert dept.call_back(w.case.no, 1, "accept")[1]["result"] == "duplicate"
    assert ShadowRecord.objects.filter(direction="in").count() == 1


def test_unknown_or_tampered_callbacks_refused_and_logged(w):
    services.dispatch(w.case, w.clerk)
    dept = Department("xn_invest")
    # unknown 申报号
    dept.db.write_callback("GS-NOT-OURS", 1, "accept", {})
    status, answer = dept.call_back("GS-NOT-OURS", 1, "accept")
    assert status == 409 and answer["message"] == "申报号不存在"
    # version mismatch
    dept.db.write_callback(w.case.no, 7, "accept", {})
    assert dept.call_back(w.case.no, 7, "accept")[1]["message"] == "版本号不符"
    # bad signature (wrong secret)
    dept.db.write_callback(w.case.no, 1, "accept", {})
    status, answer = dept.call_back(w.case.no, 1, "accept", secret="guess")
    assert status == 401 and answer["message"] == "签名错误"
    # no callback row in the front-end database
    assert dept.call_back(w.case.no, 1, "complete")[1]["message"] == "前置库中没有该回调记录"
    # a stage the case cannot take now (办结 before 受理)
    dept.db.write_callback(w.case.no, 1, "complete", {})
    assert dept.call_back(w.case.no, 1, "complete")[1]["message"].startswith("办件当前状态不能处理该环节")
    assert state(w.case) == "dispatched"
    assert not ShadowRecord.objects.filter(direction="in").exists()
    reasons = list(CallbackLog.objects.filter(outcome="refused").order_by("pk").values_list("reason", flat=True))
    assert reasons[:4] == ["申报号不存在", "版本号不符", "签名错误", "前置库中没有该回调记录"]
    assert len(reasons) == 5
    # the scan refuses the bad front-end rows once and logs them once
    first = services.recover()
    # the genuine 受理 and 办结 rows are taken in, in the order written; the two bad rows stay refused
    assert (first["applied"], first["refused"]) == (2, 2) and state(w.case) == "completed"
    assert services.recover() == {"applied": 0, "refused": 0, "renotified": 0}


def test_department_of_another_county_cannot_call_back_our_case(w):
    services.dispatch(w.case, w.clerk)
    other = services.create_system(code="qx_invest", name="青秀区投资项目审批系统", department=make_agency(QINGXIU),
                                   secret="qx-secret")
    intruder = Department(other.code)
    intruder.db.write_callback(w.case.no, 1, "complete", {"opinion": "冒充办结"},
                               [{"name": "x.pdf", "content_base64": ""}])
    status, answer = intruder.call_back(w.case.no, 1, "complete")
    assert status == 409 and answer["message"] == "该办件未分发至本部门系统"
    assert state(w.case) == "dispatched"
    log = CallbackLog.objects.get(outcome="refused", system=other)
    assert log.sbh == w.case.no
    assert services.recover()["applied"] == 0 and state(w.case) == "dispatched"


def test_dispatch_refused_without_department_system(w):
    from django.core.exceptions import ValidationError

    w.system.delete()
    with pytest.raises(ValidationError):
        services.dispatch(w.case, w.clerk)
    assert state(w.case) == "accepted" and not ShadowRecord.objects.exists()


def test_frontdb_is_a_separate_store(w):
    services.dispatch(w.case, w.clerk)
    db = FrontDB("xn_invest")
    if connection.vendor == "postgresql":  # a schema of its own, read through its own connection
        rows = db._run("SELECT schema_name FROM information_schema.schemata WHERE schema_name = %s",
                       ("gs_front_xn_invest",), fetch=True)
        assert rows == [{"schema_name": "gs_front_xn_invest"}]
    else:
        from django.conf import settings

        assert (__import__("pathlib").Path(settings.GS_FRONTDB_DIR) / "xn_invest.sqlite3").exists()
    assert [r["sbh"] for r in db.cases()] == [w.case.no]


def test_front_end_databases_live_beside_each_sqlite_database(settings):
    from domains.gov_services.exchange.frontdb import frontdb_dir

    settings.GS_FRONTDB_DIR = None
    settings.DATABASES = {**settings.DATABASES, "default": {**settings.DATABASES["default"],
                                                            "ENGINE": "django.db.backends.sqlite3",
                                                            "NAME": "/srv/zw/db.sqlite3"}}
    assert str(frontdb_dir()) == "/srv/zw/db.frontdb"
    settings.DATABASES["default"]["NAME"] = "/tmp/other.sqlite3"
    assert str(frontdb_dir()) == "/tmp/other.frontdb"
