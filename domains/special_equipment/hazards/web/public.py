"""Public complaint pages (/public/se/...): anyone reports a special-equipment hazard from a phone
(H5, or by scanning the QR code on a poster), with photos; the local regulator reviews it and the
result goes back by SMS (众投诉举报受理, 4.3.4 / 4.3.8).

Abuse protection: a captcha (django-simple-captcha, one try per image), at most IP_LIMIT complaints
per source IP per hour (Django cache) and PHONE_LIMIT per phone number per day (database).

Photos: each is checked by the kernel (kernel.files.validation) for the purpose "se_complaint_photo"
(images only, 5 MB each, at most 9) and attached to the complaint just created, in the same
transaction, by kernel.files.services.store_anonymous() (a member of the public has no account).
An upload handler stops reading a file as soon as it passes 5 MB, so a huge body is never written
to disk. Regulators see and download the photos through the normal scoped file views."""
import datetime
import io

import segno
from captcha.fields import CaptchaField, CaptchaTextInput
from django import forms
from django.core.cache import cache
from django.core.exceptions import ValidationError
from django.db import transaction
from django.http import HttpResponse
from django.shortcuts import redirect, render
from django.urls import reverse
from django.utils import timezone
from django.utils.decorators import method_decorator
from django.views import View
from django.views.decorators.cache import cache_control
from django.views.decorators.csrf import csrf_exempt, csrf_protect

from domains.special_equipment.equipment.models import CATEGORIES
from kernel.core import context
from kernel.files.models import Attachment
from kernel.files.purposes import human_size
from kernel.files.services import store_anonymous
from kernel.files.uploads import limit_uploads, too_large
from kernel.files.validation import check_upload
from kernel.notify.services import PHONE
from kernel.org.models import Region
from kernel.workflow.engine import history

from .. import services
from ..models import Complaint
from .menus_public import COMPLAINT_PHOTO

IP_LIMIT = (5, 3600)  # complaints per source IP per hour
PHONE_LIMIT = (3, 24 * 3600)  # complaints per phone number per day
SESSION_KEY = "se_complaint_no"
TEMPLATES = "se_hazards/public/"
CAPTCHA_ERRORS = {"required": "请填写验证码", "invalid": "验证码错误，请重新输入"}


# -- the form ------------------------------------------------------------------------------------
def county_choices(key="pk"):
    """Counties grouped by city, for the 设备所在区县 select (values: the region's pk, or its code)."""
    counties = Region.objects.filter(level=Region.Level.COUNTY).select_related("parent").order_by("path")
    groups = {}
    for county in counties:
        groups.setdefault(county.parent.name if county.parent_id else "", []).append(
            (getattr(county, key), county.name))
    return [("", "请选择设备所在区县")] + list(groups.items())


def mark_invalid(form):
    """Bootstrap's is-invalid on the inputs of the fields that have errors."""
    for name in form.errors:
        if name in form.fields:
            widget = form.fields[name].widget
            widget.attrs["class"] = (widget.attrs.get("class", "") + " is-invalid").strip()
    return form


class CaptchaInput(CaptchaTextInput):
    """The captcha image with a 换一张 button beside the answer box (hazards/jinja2/se_hazards/public/
    _captcha.html: widgets render with the Jinja2 form renderer)."""

    template_name = TEMPLATES + "_captcha.html"

    def __init__(self):
        super().__init__(attrs={"class": "form-control", "maxlength": "8", "placeholder": "请输入图中字符"})

    def get_context(self, name, value, attrs):
        context = super().get_context(name, value, attrs)
        context["refresh_url"] = self.refresh_url()
        return context


def captcha_field():
    return CaptchaField(label="验证码", widget=CaptchaInput(), error_messages=dict(CAPTCHA_ERRORS))


class MultiFileInput(forms.FileInput):
    allow_multiple_selected = True


class PhotosField(forms.FileField):
    """Up to the purpose's number of images, each checked by kernel.files (content, type, size)."""

    def __init__(self, *args, **kwargs):
        kwargs.setdefault("widget", MultiFileInput(attrs={"accept": "image/*", "multiple": True}))
        super().__init__(*args, **kwargs)

    def clean(self, data, initial=None):
        files = [f for f in (data if isinstance(data, (list, tuple)) else [data]) if f]
        if len(files) > COMPLAINT_PHOTO.max_files:
            raise ValidationError(f"最多上传{COMPLAINT_PHOTO.max_files}张照片，您选择了{len(files)}张")
        errors = []
        for f in files:
            try:
                check_upload(f, COMPLAINT_PHOTO)
            except ValidationError as exc:
                errors.append(f"{f.name}：{exc.messages[0]}")
        if errors:
            raise ValidationError(errors)
        return files


class ComplaintForm(forms.Form):
    region = forms.TypedChoiceField(label="设备所在区县", coerce=int, choices=(),
                                    error_messages={"required": "请选择设备所在区县", "invalid_choice": "请选择设备所在区县"})
    location = forms.CharField(label="设备所在地点", max_length=200, error_messages={"required": "请填写设备所在地点"},
                               widget=forms.TextInput(attrs={"placeholder": "如：某某小区3栋1单元电梯"}))
    equipment_category = forms.ChoiceField(label="设备种类", required=False,
                                           choices=[("", "不清楚")] + list(CATEGORIES.items()))
    unit_name = forms.CharField(label="使用单位（如知道）", max_length=200, required=False)
    description = forms.CharField(label="隐患情况描述", max_length=2000, min_length=10,
                                  widget=forms.Textarea(attrs={"rows": 4, "placeholder": "请描述发现的问题、时间和现场情况"}),
                                  error_messages={"required": "请填写隐患情况描述",
                                                  "min_length": "请至少用10个字描述隐患情况",
                                                  "max_length": "隐患情况描述不能超过2000字"})
    photos = PhotosField(label="现场照片", required=False,
                         help_text=f"可选，最多{COMPLAINT_PHOTO.max_files}张，每张不超过"
                                   f"{human_size(COMPLAINT_PHOTO.max_bytes)}")
    name = forms.CharField(label="您的姓名", max_length=50, required=False, help_text="可不填写")
    phone = forms.CharField(label="联系电话", max_length=11,
                            error_messages={"required": "请填写手机号码", "max_length": "请填写正确的11位手机号码"},
                            widget=forms.TextInput(attrs={"inputmode": "numeric", "autocomplete": "tel"}),
                            help_text="核查结果将以短信告知，号码仅用于本次举报")
    captcha = captcha_field()

    def __init__(self, *args, **kwargs):
        super().__init__(*args, **kwargs)
        self.fields["region"].choices = county_choices()
        for name, field in self.fields.items():
            if name == "captcha":
                continue
            css = "form-select" if isinstance(field.widget, forms.Select) else "form-control"
            field.widget.attrs.setdefault("class", css)

    def clean_phone(self):
        phone = self.cleaned_data["phone"].strip()
        if not PHONE.match(phone):
            raise ValidationError("请填写正确的11位手机号码")
        return phone


# -- rate limits --------------------------------------------------------------------------------
def _ip_key(ip):
    return f"se:complaint:ip:{ip or 'unknown'}"


def ip_exhausted(ip) -> bool:
    return (cache.get(_ip_key(ip)) or 0) >= IP_LIMIT[0]


def count_ip(ip):
    key = _ip_key(ip)
    cache.add(key, 0, timeout=IP_LIMIT[1])  # the window starts with the first complaint
    try:
        cache.incr(key)
    except ValueError:  # expired between add and incr
        cache.set(key, 1, timeout=IP_LIMIT[1])


def phone_exhausted(phone) -> bool:
    since = timezone.now() - datetime.timedelta(seconds=PHONE_LIMIT[1])
    return Complaint.all_objects.filter(phone=phone, created_at__gte=since).count() >= PHONE_LIMIT[0]


# -- submitting -----------------------------------------------------------------------------------
def attach_public_photo(complaint, uploaded_file) -> Attachment | None:
    """Attach a checked photo to the complaint just created; the same picture chosen twice is kept once."""
    try:
        return store_anonymous(complaint, uploaded_file, COMPLAINT_PHOTO)
    except ValidationError as exc:
        if exc.code == "duplicate":
            return None
        raise ValidationError({"photos": f"{uploaded_file.name}：{exc.messages[0]}"}) from exc


@transaction.atomic
def submit(data, ip) -> Complaint:
    complaint = services.submit_complaint(
        region=Region.objects.get(pk=data["region"]), location=data["location"].strip(),
        description=data["description"].strip(), phone=data["phone"], name=data["name"].strip(),
        unit_name=data["unit_name"].strip(), equipment_category=data["equipment_category"], ip=ip)
    for photo in data["photos"]:
        attach_public_photo(complaint, photo)
    return complaint


# -- pages --------------------------------------------------------------------------------------
def _region_from_query(request):
    code = (request.GET.get("region") or "").strip()
    if not code:
        return None
    return Region.objects.filter(code=code, level=Region.Level.COUNTY).first()


@method_decorator(csrf_exempt, name="dispatch")  # CSRF is checked in _post(), after the upload limit is set
class ComplaintView(View):
    """投诉举报: the H5 form."""

    template_name = TEMPLATES + "complaint.html"

    def render(self, request, form, status=200, refused=""):
        region = None
        value = form["region"].value()
        if value and str(value).isdigit():
            region = Region.objects.filter(pk=value, level=Region.Level.COUNTY).select_related("parent").first()
        return render(request, self.template_name, {
            "form": mark_invalid(form), "title": "特种设备安全隐患投诉举报", "refused": refused, "region": region,
            "reselect_photos": request.method == "POST" and bool(request.FILES.getlist("photos")),
            "photo_limit": COMPLAINT_PHOTO.max_files, "photo_bytes": COMPLAINT_PHOTO.max_bytes}, status=status)

    def get(self, request):
        region = _region_from_query(request)
        form = ComplaintForm(initial={"region": region.pk} if region else None)
        return self.render(request, form)

    def post(self, request):
        limit_uploads(request, COMPLAINT_PHOTO.max_bytes)  # before anything reads the body
        return self._post(request)

    @method_decorator(csrf_protect)
    def _post(self, request):
        ip = context.client_ip(request)
        form = ComplaintForm(request.POST, request.FILES)
        if ip_exhausted(ip):
            return self.render(request, form, status=429, refused="提交过于频繁，请一小时后再试。如情况紧急，请拨打12315。")
        valid = form.is_valid()
        limit = too_large(request)
        if limit is not None:  # the handler dropped a file larger than a photo may be
            form.errors.pop("photos", None)
            form.add_error("photos", f"有照片超过{human_size(limit)}，请压缩后重新选择")
            valid = False
        if not valid:
            return self.render(request, form, status=400)
        if phone_exhausted(form.cleaned_data["phone"]):
            form.add_error("phone", "该手机号今日提交次数已达上限，请明天再试")
            return self.render(request, form, status=429)
        try:
            complaint = submit(form.cleaned_data, ip)
        except ValidationError as exc:
            for field, messages in getattr(exc, "message_dict", {None: exc.messages}).items():
                form.add_error(field if field in form.fields else None, messages)
            return self.render(request, form, status=400)
        count_ip(ip)
        request.session[SESSION_KEY] = complaint.no
        return redirect("public:se_complaint_done")


def complaint_done(request):
    """The number of the complaint just submitted (kept in the submitter's session only)."""
    no = request.session.get(SESSION_KEY)
    if not no:
        return redirect("public:se_complaint")
    return render(request, TEMPLATES + "done.html", {"no": no, "title": "提交成功"})


class QueryForm(forms.Form):
    no = forms.CharField(label="受理编号", max_length=30, error_messages={"required": "请填写受理编号"},
                         widget=forms.TextInput(attrs={"placeholder": "如：TS20260101000001", "autocapitalize": "characters"}))
    phone = forms.CharField(label="举报时填写的手机号码", max_length=11, error_messages={"required": "请填写手机号码"},
                            widget=forms.TextInput(attrs={"inputmode": "numeric", "autocomplete": "tel"}))
    captcha = captcha_field()

    def __init__(self, *args, **kwargs):
        super().__init__(*args, **kwargs)
        for name in ("no", "phone"):
            self.fields[name].widget.attrs["class"] = "form-control"


def progress(complaint):
    """What the complainant may read of the handling: the steps taken and when, never who took them."""
    steps = [{"label": "提交举报", "time": complaint.created_at, "done": True}]
    for log in history(complaint).order_by("time", "id"):
        steps.append({"label": log.transition_label, "time": log.time, "done": True})
    if complaint.status == "submitted":
        steps.append({"label": "属地监管部门审核", "time": None, "done": False})
    elif complaint.status == "verifying":
        steps.append({"label": "核查处理中", "time": None, "done": False})
    return steps


def complaint_query(request):
    """办理进度查询: by the complaint number and the phone given with it."""
    form = QueryForm(request.POST or None, initial={"no": request.GET.get("no", "")})
    complaint, status = None, 200
    if request.method == "POST":
        if form.is_valid():
            complaint = Complaint.objects.filter(no=form.cleaned_data["no"].strip().upper(),
                                                 phone=form.cleaned_data["phone"].strip()).first()
            if complaint is None:
                form.add_error(None, "未找到该受理编号与手机号码对应的投诉举报，请核对后重新输入")
                status = 404
        else:
            status = 400
    if complaint is not None:  # a fresh form (and captcha) for the next query
        form = QueryForm(initial={"no": complaint.no})
    return render(request, TEMPLATES + "query.html", {
        "form": mark_invalid(form), "complaint": complaint, "steps": progress(complaint) if complaint else [],
        "state_colour": complaint.workflow_state().colour if complaint else "", "title": "投诉举报办理进度查询"},
        status=status)


def complaint_url(request, region=None):
    url = request.build_absolute_uri(reverse("public:se_complaint"))
    return f"{url}?region={region.code}" if region else url


@cache_control(max_age=3600)
def complaint_qr(request):
    """The QR code (SVG) that opens the complaint page, for posters and equipment labels."""
    qr = segno.make(complaint_url(request, _region_from_query(request)), error="m")
    out = io.BytesIO()
    qr.save(out, kind="svg", scale=8, border=2, dark="#000000", light="#ffffff", title="扫码投诉举报")
    return HttpResponse(out.getvalue(), content_type="image/svg+xml")


def complaint_poster(request):
    """A printable poster with the QR code (optionally for one county)."""
    region = _region_from_query(request)
    return render(request, TEMPLATES + "poster.html", {
        "title": "扫码投诉举报", "region": region, "url": complaint_url(request, region),
        "qr_url": reverse("public:se_complaint_qr") + (f"?region={region.code}" if region else ""),
        "counties": county_choices("code")[1:]})
