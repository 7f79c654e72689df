"""SMS templates of the department exchange."""
from kernel.notify.models import SmsTemplate

SMS_TEMPLATES = [
    ("gs_exchange_correction", "办件补正补齐", "您申请的“{matter}”（申报号{no}）需补正补齐材料：{opinion}。请按要求补充。"),
    ("gs_exchange_dept_accepted", "部门受理", "您申请的“{matter}”（申报号{no}）已由{department}受理。"),
    ("gs_exchange_completed", "办件办结", "您申请的“{matter}”（申报号{no}）已办结，请按约定方式领取结果。"),
]


def load():
    for code, name, text in SMS_TEMPLATES:
        SmsTemplate.objects.get_or_create(code=code, defaults={"name": name, "content": text})
    return f"短信模板{len(SMS_TEMPLATES)}个"
