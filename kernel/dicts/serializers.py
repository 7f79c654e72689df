from rest_framework import serializers

from . import services
from .models import DictField


class DictValueField(serializers.CharField):
    """An API field that accepts a dictionary value (or its label) and stores the value."""

    def __init__(self, dict_type, **kwargs):
        self.dict_type = dict_type
        super().__init__(**kwargs)

    def to_internal_value(self, data):
        text = super().to_internal_value(data)
        if text == "":
            return text
        value = services.value_for_label(self.dict_type, text)
        if value is None:
            raise serializers.ValidationError(f"“{text}”不是有效的{self.label or '字典值'}")
        return value


class DictFieldsMixin:
    """ModelSerializer mixin: DictField model fields become DictValueField."""

    def build_standard_field(self, field_name, model_field):
        field_class, kwargs = super().build_standard_field(field_name, model_field)
        if isinstance(model_field, DictField):
            kwargs.pop("max_length", None)
            kwargs.pop("choices", None)
            kwargs["dict_type"] = model_field.dict_type
            return DictValueField, kwargs
        return field_class, kwargs
