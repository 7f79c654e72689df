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
