"""Demo of entrusted deduction (a lived-in service on `make run`) for the demo resident 蒙桂兰 of 青秀区, Nanning
(seeded by the payers app, whose demo also sets the current year's resident grades):

* her payable amount (应缴费额设置) of this year's urban-rural resident pension: 300 元/年;
* an active two-party agreement (两两协议) with 广西农村信用社, verified by the simulated bank;
* a batch-deduction task of Nanning for this year launched by the Nanning tax administrator, due in a week: her
  pending items (待批扣: pension 300, medical at the grade table's default) in 待批扣清册, which she may still
  change or void; the daily job deducts them on the due day.

Dates are relative to today. Idempotent: keyed by her amount row, her agreement in force and her items of the
year; a second run adds nothing. Needs the in-process payment simulator (PAY_GATEWAY_URL empty)."""
import datetime

from django.utils import timezone

from kernel.org.validators import id_check_char

PAYER_ID17 = "45010319620708451"  # 蒙桂兰 in domains/si_fee/payers/demo.py
ADMIN = "nn_si_admin"  # the Nanning tax administrator of the payers demo, who launches the task
AMOUNT = "300"
ACCOUNT = {"bank_code": "402", "account_no": "6230520110012345678"}
RUN_IN_DAYS = 7


def _payer():
    from domains.si_fee.payers.models import Payer

    return Payer.objects.filter(id_number=PAYER_ID17 + id_check_char(PAYER_ID17)).select_related("prefecture").first()


def _amount(payer, year):
    from domains.si_fee.rules.models import InsuranceType, ResidentGrade

    from . import services
    from .models import ResidentAmount

    rr = InsuranceType.objects.get(code="rr_pension")
    if ResidentAmount.objects.filter(payer=payer, insurance=rr, year=year).exists():
        return 0
    if not ResidentGrade.objects.filter(prefecture=payer.prefecture, year=year, insurance=rr).exists():
        return 0
    services.set_resident_amount(payer, rr, year, AMOUNT, user=payer.user)
    return 1


def _agreement(payer):
    from . import services
    from .models import IN_FORCE, Agreement

    existing = Agreement.objects.filter(subject_id_type=payer.id_type, subject_id_number=payer.id_number,
                                        status__in=IN_FORCE).first()
    if existing is not None:
        return existing, 0
    agreement = services.sign_agreement(payer, Agreement.Kind.BILATERAL, dict(
        ACCOUNT, account_name=payer.name, confirmed="1"), user=payer.user)
    return agreement, 1


def _task(payer, agreement, today):
    from kernel.accounts.models import User

    from . import services
    from .models import BatchItem

    if agreement.status != "active" or BatchItem.objects.filter(payer=payer, period_start__year=today.year).exists():
        return None, 0
    admin = User.objects.filter(username=ADMIN).first()
    task, counts = services.launch_task(payer.prefecture, today.year, None, today + datetime.timedelta(days=RUN_IN_DAYS),
                                        user=admin, remark=f"{today.year}年度城乡居民养老、医疗保险集中征收批量扣款")
    return task, counts["created"]


def seed(scale, out):
    from integrations.tips_pay.client import PayGateway

    payer = _payer()
    if payer is None:
        return "未找到演示缴费人蒙桂兰，跳过委托扣款演示"
    if not PayGateway().simulated:
        return "已配置真实支付平台（PAY_GATEWAY_URL），不生成委托扣款演示"
    today = timezone.localdate()
    amounts = _amount(payer, today.year)
    agreement, signed = _agreement(payer)
    task, items = _task(payer, agreement, today)
    if task is not None:
        out.write(f"委托扣款演示：蒙桂兰{agreement.get_kind_display()}{agreement.agreement_no}，"
                  f"批扣任务{task.batch_no}计划于{task.run_on:%Y-%m-%d}扣款\n")
    return f"应缴费额设置{amounts}条，委托扣款协议{signed}份，待批扣记录{items}条"
