"""Form field and form for pages: the file is checked against its purpose in clean(), so a
refused file is a field-level error ("文件类型与扩展名不符…") and nothing is stored.

A domain form can carry an attachment next to its own fields:

    class HazardForm(forms.ModelForm):
        photo = AttachmentField(purpose="hazard_photo", label="现场照片", required=False)

and its service stores it with kernel.files.services.store(hazard, cleaned["photo"], "hazard_photo", user)
(the check is not repeated).
"""
from django import forms
from django.core.exceptions import ValidationError

from .purposes import Purpose
from .validation import check_upload, resolve_purpose


class AttachmentField(forms.FileField):
    def __init__(self, *args, purpose: str | Purpose, **kwargs):
        kwargs.setdefault("label", "附件")
        kwargs.setdefault("allow_empty_file", True)  # the purpose check gives its own message
        kwargs.setdefault("error_messages", {"required": "请选择要上传的文件"})
        super().__init__(*args, **kwargs)
        self.purpose = resolve_purpose(purpose)
        self.widget.attrs.setdefault("accept", self.purpose.accept)
        self.help_text = self.help_text or self.purpose.hint

    def clean(self, data, initial=None):
        file = super().clean(data, initial)
        if file and file is not initial:
            check_upload(file, self.purpose)  # raises ValidationError with the Chinese message
        return file


class AttachmentForm(forms.Form):
    file = forms.FileField()  # replaced in __init__ by an AttachmentField of the purpose

    def __init__(self, *args, purpose: str | Purpose, **kwargs):
        super().__init__(*args, **kwargs)
        self.purpose = resolve_purpose(purpose)
        self.fields["file"] = AttachmentField(purpose=self.purpose, label=f"上传{self.purpose.label}")
        self.fields["file"].widget.attrs.update({"class": "form-control form-control-sm"})

    def add_store_error(self, exc: ValidationError):
        """Show an error raised by services.store() (duplicate, number of files) on the file field."""
        self.add_error("file" if not hasattr(exc, "error_dict") else None, exc)
