"""Builders shared by the supervision-database tests (other labour test modules may import them):
inspectors with the standard roles, enterprises, projects, workers with valid ID numbers, contracts,
attendance, payroll, special accounts with flows, deposits with flows, guarantees, reminders.

Region codes: Nanning 450100 (county 450103 青秀区), Liuzhou 450200 (county 450202)."""
import datetime
import itertools
from decimal import Decimal

from django.utils import timezone

from kernel.accounts.models import Role, User
from kernel.core.testing import PASSWORD, make_agency, make_enterprise  # noqa: F401  (PASSWORD re-exported)
from kernel.org.models import Region
from kernel.org.validators import id_check_char

from ..models import (
    AccountFlow,
    Attendance,
    Contract,
    DepositFlow,
    Guarantee,
    GuaranteeReminder,
    Payroll,
    Project,
    WageAccount,
    WageDeposit,
    Worker,
)

_seq = itertools.count(1)
NANNING_COUNTY, NANNING, LIUZHOU_COUNTY, LIUZHOU, GUANGXI = "450103", "450100", "450202", "450200", "450000"


def today():
    return timezone.localdate()


def days(n):
    return today() + datetime.timedelta(days=n)


def region(code):
    return Region.objects.get(code=code)


def staff(region_code=NANNING, role="labor_inspector", username=None, perms=()):
    """A staff user of the region's 人社 agency holding a standard labour role (and extra permissions)."""
    user = User.objects.create_user(username=username or f"{role}{next(_seq)}", password=PASSWORD, kind="staff",
                                    organisation=make_agency(region_code, agency_type="hrss"),
                                    must_change_password=False)
    user.roles.add(Role.objects.get(code=role))
    if perms:
        from kernel.core.testing import perms as lookup

        user.user_permissions.add(*lookup(*perms))
    return user


def inspector(region_code=NANNING, username=None, perms=()):
    return staff(region_code, "labor_inspector", username, perms)


def id_number(region_code=NANNING_COUNTY, birthday="19850312", serial=None):
    """A valid 18-digit ID number (GB 11643 check digit)."""
    first17 = f"{region_code}{birthday}{(serial if serial is not None else next(_seq)) % 1000:03d}"
    return first17 + id_check_char(first17)


def enterprise(region_code=NANNING_COUNTY, name=None):
    return make_enterprise(region_code, name=name)


def make_project(region_code=NANNING_COUNTY, **fields):
    n = next(_seq)
    values = {"code": f"XM{region_code}{n:06d}", "name": f"测试项目{n}号楼工程", "region": region(region_code),
              "construction_unit": fields.pop("construction_unit", None) or enterprise(region_code),
              "general_contractor": fields.pop("general_contractor", None) or enterprise(region_code),
              "project_type": Project.Type.HOUSING, "funding_source": Project.Funding.SOCIAL,
              "industry_authority": "住房和城乡建设局", "start_date": days(-200),
              "contract_price": Decimal("12500.00"), "status": Project.Status.BUILDING,
              "permit_no": f"450103{n:08d}", "permit_valid_until": days(300),
              "contractor_qualification_no": f"D2450{n:05d}", "contractor_qualification_valid_until": days(400),
              "project_manager": "黄建国", "project_manager_phone": "13977100001", "wage_officer": "李秀英",
              "wage_officer_phone": "13977100002", "supervising_department": "南宁市劳动保障监察支队"}
    values.update(fields)
    return Project.objects.create(**values)


def make_worker(region_code=NANNING_COUNTY, name=None, **fields):
    n = next(_seq)
    values = {"name": name or f"工人{n}", "id_number": id_number(serial=n), "gender": "男",
              "phone": f"139{n:08d}"[:11], "region": region(region_code), "registered_on": days(-100),
              "bank_card": f"6217{n:012d}", "bank_name": "中国农业银行"}
    values.update(fields)
    return Worker.objects.create(**values)


def make_contract(worker, project, **fields):
    values = {"worker": worker, "project": project, "employer": project.general_contractor, "team": "钢筋班",
              "job_type": "钢筋工", "signed_on": days(-100), "start_on": days(-90),
              "daily_wage": Decimal("300.00")}
    values.update(fields)
    return Contract.objects.create(**values)


def attend(worker, project, *day_offsets, hours=Decimal("8.0")):
    Attendance.objects.bulk_create([Attendance(project=project, worker=worker, work_date=days(d), hours=hours)
                                    for d in day_offsets])


def make_payroll(worker, project, month, days_worked, payable, paid, **fields):
    return Payroll.objects.create(project=project, worker=worker, month=month, days_worked=days_worked,
                                  amount_payable=Decimal(payable), amount_paid=Decimal(paid), **fields)


def make_account(project, **fields):
    n = next(_seq)
    values = {"project": project, "account_no": f"62220{n:010d}", "account_name": f"{project.name}农民工工资专用账户",
              "bank": "中国建设银行南宁分行", "opener": project.general_contractor, "opened_on": days(-180),
              "balance": Decimal("0")}
    values.update(fields)
    return WageAccount.objects.create(**values)


def account_flow(account, kind, amount, at_days=-1, **fields):
    n = next(_seq)
    booked = timezone.now() + datetime.timedelta(days=at_days)
    return AccountFlow.objects.create(account=account, serial_no=f"LS{n:010d}", booked_at=booked, kind=kind,
                                      amount=Decimal(amount), **fields)


def make_deposit(enterprise_=None, project=None, region_code=NANNING_COUNTY, **fields):
    values = {"enterprise": enterprise_ or (project.general_contractor if project else enterprise(region_code)),
              "project": project, "region": region(region_code), "form": WageDeposit.Form.CASH,
              "required_amount": Decimal("500000.00"), "balance": Decimal("0"), "bank": "广西北部湾银行",
              "due_on": days(-30)}
    values.update(fields)
    return WageDeposit.objects.create(**values)


def deposit_flow(deposit, kind, amount, at_days=-1, **fields):
    n = next(_seq)
    booked = timezone.now() + datetime.timedelta(days=at_days)
    return DepositFlow.objects.create(deposit=deposit, serial_no=f"BZ{n:010d}", booked_at=booked, kind=kind,
                                      amount=Decimal(amount), **fields)


def make_guarantee(enterprise_=None, project=None, region_code=NANNING_COUNTY, **fields):
    n = next(_seq)
    values = {"kind": Guarantee.Kind.INSURANCE, "guarantee_no": f"BH{n:010d}",
              "enterprise": enterprise_ or (project.general_contractor if project else enterprise(region_code)),
              "project": project, "region": region(region_code), "issuer": "中国人民财产保险股份有限公司广西分公司",
              "amount": Decimal("300000.00"), "valid_from": days(-300), "valid_until": days(200),
              "contact_person": "陈经理", "contact_phone": "13877100003"}
    values.update(fields)
    return Guarantee.objects.create(**values)


def make_reminder(guarantee, sms=None, **fields):
    values = {"guarantee": guarantee, "valid_until": guarantee.valid_until, "phone": guarantee.contact_phone,
              "sms": sms}
    values.update(fields)
    return GuaranteeReminder.objects.create(**values)


def make_warning(subject, level="yellow", organisation=None, region_=None, message="测试预警", rule_code=None):
    """A warning row on a subject (test data: the alert engine itself is tested in kernel.alerts)."""
    from django.contrib.contenttypes.models import ContentType

    from kernel.alerts.models import AlertRule, Warning

    ct = ContentType.objects.get_for_model(type(subject))
    rule, _ = AlertRule.objects.get_or_create(
        code=rule_code or f"test-{ct.model}-{next(_seq)}",
        defaults={"name": f"测试规则（{ct.name}）", "subject_type": ct, "category": "劳动监察",
                  "levels": [{"level": "yellow", "threshold": 1}, {"level": "orange", "threshold": 2},
                             {"level": "red", "threshold": 3}]})
    return Warning.objects.create(rule=rule, subject_type=ct, subject_id=subject.pk, subject_repr=str(subject)[:200],
                                  level=level, region=region_ or getattr(subject, "region", None),
                                  organisation=organisation, message=message)

