"""Builders shared by the grid, case and conversion tests (test_grids.py, test_cases.py, test_conversion.py,
test_cases_browser.py); no tests here.

Nanning (南宁市 450100) with two counties, 青秀区 450103 and 兴宁区 450102; Liuzhou (柳州市 450200) for the
scope checks. Labour inspectors, a leader (approves extensions), an administrator (grids) and a grid owner
hold the roles of reference.py; an enterprise of 青秀区 is the respondent; a labour warning rule
(category 欠薪预警) carries the manual and automatic warnings."""
import datetime
import itertools

from django.contrib.contenttypes.models import ContentType
from django.utils import timezone

from domains.labor.inspection import services
from kernel.accounts.models import Role
from kernel.alerts import services as alert_services
from kernel.alerts.models import AlertRule, Warning, WarningEvent
from kernel.core import context
from kernel.core.testing import make_agency, make_enterprise, make_staff
from kernel.org.models import Organisation, Region

_seq = itertools.count(1)
QINGXIU, XINGNING, NANNING, LIUZHOU, LZ_CHENGZHONG = "450103", "450102", "450100", "450200", "450202"
LEVELS = [{"level": "yellow", "threshold": 1}, {"level": "orange", "threshold": 2}, {"level": "red", "threshold": 3}]
D = datetime.date.fromisoformat


def valid_id(first17="45010319850612123"):
    from kernel.org.validators import id_check_char

    return first17 + id_check_char(first17)


def region(code):
    return Region.objects.get(code=code)


def person(region_code, role="labor_inspector", **extra):
    make_agency(region_code)
    user = make_staff(region_code, username=f"lj{next(_seq)}", **extra)
    user.roles.add(Role.objects.get(code=role))
    return user


def labour_rule(code="lj_test_wage", category=services.LABOUR_CATEGORY, **extra):
    rule, _ = AlertRule.objects.get_or_create(code=code, defaults=dict(
        name="测试欠薪预警（工资未按月发放）", category=category,
        subject_type=ContentType.objects.get_for_model(Organisation, for_concrete_model=False),
        levels=LEVELS, approval_min_level="red", **extra))
    return rule


class World:
    def __init__(self):
        self.qx = person(QINGXIU, real_name="韦监察", phone="13907711001")
        self.qx2 = person(QINGXIU, real_name="黄监察", phone="13907711002")
        self.leader = person(QINGXIU, role="labor_leader", real_name="李领导", phone="13907711003")
        self.leader2 = person(QINGXIU, role="labor_leader", real_name="陆领导")
        self.city = person(NANNING, real_name="覃市局")
        self.admin = person(NANNING, role="labor_admin", real_name="蒙管理")
        self.owner = person(QINGXIU, role="labor_grid_owner", real_name="潘网格", phone="13907711009")
        self.xn_owner = person(XINGNING, role="labor_grid_owner", real_name="兴宁网格员")
        self.lz = person(LIUZHOU, real_name="柳州监察")
        self.lz_admin = person(LIUZHOU, role="labor_admin", real_name="柳州管理")
        self.unit = make_enterprise(QINGXIU, name=f"南宁青秀欠薪测试建筑有限公司{next(_seq)}")
        self.unit.address = "南宁市青秀区民族大道100号"
        self.unit.legal_representative = "莫老板"
        self.unit.save()
        self.rule = labour_rule()

    def register(self, by=None, **over):
        by = by or self.qx
        with context.acting_as(by):
            return services.register_complaint(by, **complaint_fields(self, **over))

    def manual_warning(self, by=None, level="yellow", region_=None, message="群众反映工地拖欠3个月工资", subject=None):
        by, subject = by or self.qx, subject or self.unit
        with context.acting_as(by):
            return alert_services.register_manual(rule=self.rule, subject=subject, level=level, message=message,
                                                  user=by, region=region_ or subject.region, organisation=subject)

    def auto_warning(self, level="yellow", region_=None, subject=None):
        subject = subject or self.unit
        w = Warning.objects.create(
            rule=self.rule, subject_type=ContentType.objects.get_for_model(Organisation, for_concrete_model=False),
            subject_id=subject.pk, subject_repr=subject.name, level=level, origin=Warning.Origin.AUTO,
            region=region_ or subject.region, organisation=subject, message="工资未按月足额发放", value="欠发2个月")
        WarningEvent.objects.create(warning=w, kind="raised", to_level=level)
        return w

    def assigned_warning(self, **kwargs):
        """A warning dispatched for on-site verification (处置中)."""
        w = self.manual_warning(**kwargs)
        alert_services.review(w, self.qx2, comment="属实")
        alert_services.assign(w, self.leader, self.qx, comment="请现场核查")
        w.refresh_from_db()
        return w


def complaint_fields(w, **over):
    values = {
        "channel": "visit", "received_on": timezone.localdate(), "region": w.unit.region,
        "complainant_name": "张三", "complainant_id_number": valid_id(), "complainant_phone": "13807710001",
        "respondent": w.unit, "respondent_name": w.unit.name, "respondent_address": w.unit.address,
        "respondent_contact": "莫老板", "workers_involved": 12, "amount_owed": "186000.00",
        "facts": "青秀区某工地拖欠12名农民工2026年8月至10月工资共计18.6万元。", "demands": "要求支付拖欠的工资",
    }
    values.update(over)
    return values


def fixed_today(monkeypatch, day):
    """Make "today" a given date for the services and the workflow (timezone.localdate())."""
    monkeypatch.setattr(timezone, "localdate", lambda value=None, timezone=None: day)
