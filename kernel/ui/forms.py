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


def apply_errors(form, exc, rename=None):
    """A service's ValidationError, or the workflow's TransitionError (its `errors` mapping), onto the form:
    each message on its field when the form has one, else on top of the form. `rename(name)` maps a service's
    field name to the form's (a material's error onto its checklist row, say)."""
    mapping = getattr(exc, "errors", None)  # TransitionError
    if not isinstance(mapping, dict):
        mapping = exc.message_dict if hasattr(exc, "error_dict") else None
    if not mapping:
        mapping = {None: list(getattr(exc, "messages", [str(exc)]))}
    for field, messages in mapping.items():
        if rename is not None and field:
            field = rename(field)
        form.add_error(field if field in form.fields else None, messages)
