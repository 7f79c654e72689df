from django import forms

from kernel.ui.forms import style


class Sample(forms.Form):
    name = forms.CharField()
    kind = forms.ChoiceField(choices=[("a", "甲")])
    agree = forms.BooleanField()
    mode = forms.ChoiceField(choices=[("a", "甲")], widget=forms.RadioSelect)
    tags = forms.MultipleChoiceField(choices=[("a", "甲")], widget=forms.CheckboxSelectMultiple)
    note = forms.CharField(widget=forms.Textarea(attrs={"class": "mine"}))


def test_each_widget_gets_its_bootstrap_class_and_keeps_its_own():
    form = style(Sample())
    classes = {name: f.widget.attrs.get("class") for name, f in form.fields.items()}
    assert classes == {"name": "form-control", "kind": "form-select", "agree": "form-check-input",
                       "mode": "form-check-input", "tags": None, "note": "mine"}


def test_a_refusal_lands_on_its_field_or_on_top():
    from django.core.exceptions import ValidationError

    from kernel.ui.forms import apply_errors
    from kernel.workflow.engine import TransitionError

    form = Sample(data={"name": "甲", "kind": "a", "agree": "on", "mode": "a", "tags": ["a"], "note": "x"})
    assert form.is_valid()
    apply_errors(form, ValidationError({"name": "名称已存在", "other": "别处的问题"}))
    apply_errors(form, TransitionError({"kind": ["类型不可用"]}))
    apply_errors(form, ValidationError("整体不成立"))
    apply_errors(form, ValidationError({"material_3": "缺少材料"}), lambda f: "note" if f == "material_3" else f)
    assert form.errors == {"name": ["名称已存在"], "kind": ["类型不可用"], "note": ["缺少材料"],
                           "__all__": ["别处的问题", "整体不成立"]}
