"""Bootstrap classes on Django form widgets, the one way every page form gets them."""
from django import forms


def style(form):
    """Give each widget its Bootstrap class unless it has one: form-check-input for a check box or radio
    buttons, form-select for a select, form-control otherwise; a list of check boxes is left to its template."""
    for field in form.fields.values():
        widget = field.widget
        if isinstance(widget, forms.CheckboxSelectMultiple):
            continue
        if isinstance(widget, (forms.CheckboxInput, forms.RadioSelect)):
            widget.attrs.setdefault("class", "form-check-input")
        elif isinstance(widget, (forms.Select, forms.SelectMultiple)):
            widget.attrs.setdefault("class", "form-select")
        else:
            widget.attrs.setdefault("class", "form-control")
    return form
