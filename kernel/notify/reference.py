from .models import SmsTemplate

TEMPLATES = [
    ("verify_code", "验证码", "您的验证码为{code}，{minutes}分钟内有效，请勿泄露。"),
    ("todo_assigned", "待办提醒", "您有一条新的待办：{title}，请于{due}前办理。"),
    ("alert_raised", "预警通知", "{subject}触发预警“{rule}”，等级：{level}。请登录系统及时处置。"),
    ("alert_level_changed", "预警升级", "{subject}的预警“{rule}”已调整为{level}，请及时处置。"),
]


def load():
    for code, name, content in TEMPLATES:
        SmsTemplate.objects.get_or_create(code=code, defaults={"name": name, "content": content})
    return SmsTemplate.objects.count()
