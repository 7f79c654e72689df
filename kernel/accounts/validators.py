"""Password rules (GB/T 22239 level-3 practice): length, four character classes of which three, no username."""
import re

from django.core.exceptions import ValidationError


class StrengthValidator:
    def __init__(self, min_length=8):
        self.min_length = min_length

    def validate(self, password, user=None):
        if len(password) < self.min_length:
            raise ValidationError("密码长度至少%(n)d位", code="password_too_short", params={"n": self.min_length})
        classes = sum(
            bool(re.search(p, password)) for p in (r"[a-z]", r"[A-Z]", r"[0-9]", r"[^A-Za-z0-9]")
        )
        if classes < 3:
            raise ValidationError("密码须包含大写字母、小写字母、数字、特殊字符中的至少三类", code="password_too_simple")

    def get_help_text(self):
        return f"至少{self.min_length}位，包含大写字母、小写字母、数字、特殊字符中的至少三类。"


class NotSimilarToUsernameValidator:
    def validate(self, password, user=None):
        username = getattr(user, "username", "") or ""
        if username and username.lower() in password.lower():
            raise ValidationError("密码不能包含用户名", code="password_contains_username")

    def get_help_text(self):
        return "密码不能包含用户名。"
