"""H5 pages of the user centre (/m/si/...): registration and login with SMS codes (anonymous), the
service home, profile completion, information view and contact maintenance, participation query.
Every change goes through services.py."""
from django import forms
from django.contrib import messages
from django.core.exceptions import ValidationError
from django.http import HttpResponse
from django.shortcuts import redirect, render
from django.urls import reverse
from django.utils.html import format_html
from django.utils.http import url_has_allowed_host_and_scheme
from django.views.decorators.http import require_POST
from django.views.generic import TemplateView

from domains.si_fee.notices.push import push_context
from domains.si_fee.rules.models import PersonType, SpecialCategory
from kernel.org.models import Region
from kernel.ui.forms import apply_errors
from kernel.ui.generic import EntranceMixin

from .. import services
from ..models import IdType, Participation
from ..tiles import tiles_for
from .mixins import PayerMixin, payer_of

INPUT = {"class": "form-control"}


def county_choices():
    """Counties of Guangxi grouped by city, for the 参保地 select."""
    cities = {r.pk: r.name for r in Region.objects.filter(level=Region.Level.CITY, path__startswith="450000.")}
    groups = {}
    for r in Region.objects.filter(level=Region.Level.COUNTY, path__startswith="450000.").order_by("code"):
        groups.setdefault(cities.get(r.parent_id, "其他"), []).append((r.pk, r.name))
    return [("", "请选择")] + list(groups.items())


def _county(pk):
    try:
        return Region.objects.filter(pk=int(pk), level=Region.Level.COUNTY).first()
    except (TypeError, ValueError):
        return None


class RegisterForm(forms.Form):
    person_type = forms.ChoiceField(label="用户类型", choices=PersonType.choices, widget=forms.RadioSelect,
                                    error_messages={"required": "请选择用户类型（灵活就业人员或城乡居民）"})
    name = forms.CharField(label="姓名", max_length=50, widget=forms.TextInput(INPUT | {"autocomplete": "name"}),
                           error_messages={"required": "请填写姓名"})
    id_type = forms.ChoiceField(label="证件类型", choices=IdType.choices, initial=IdType.ID_CARD,
                                widget=forms.Select({"class": "form-select"}))
    id_number = forms.CharField(label="证件号码", max_length=30, widget=forms.TextInput(INPUT),
                                error_messages={"required": "请填写证件号码"})
    region = forms.ChoiceField(label="参保地", widget=forms.Select({"class": "form-select"}),
                               error_messages={"required": "请选择参保地（县、市、区）"})
    mobile = forms.CharField(label="手机号码", max_length=11,
                             widget=forms.TextInput(INPUT | {"inputmode": "numeric", "autocomplete": "tel"}),
                             error_messages={"required": "请填写手机号码"})
    code = forms.CharField(label="短信验证码", max_length=6, required=False,
                           widget=forms.TextInput(INPUT | {"inputmode": "numeric", "autocomplete": "one-time-code"}))
    password = forms.CharField(label="登录密码", required=False, widget=forms.PasswordInput(INPUT | {"autocomplete": "new-password"}))
    password2 = forms.CharField(label="确认密码", required=False, widget=forms.PasswordInput(INPUT | {"autocomplete": "new-password"}))
    address = forms.CharField(label="联系地址（选填）", max_length=200, required=False, widget=forms.TextInput(INPUT))

    def __init__(self, *args, **kwargs):
        super().__init__(*args, **kwargs)
        self.fields["region"].choices = county_choices()


def register_view(request):
    if request.user.is_authenticated:
        messages.info(request, services.ONE_PERSON.format(name=request.user.display_name))
        return redirect("m:si_home")
    form = RegisterForm(request.POST or None)
    if request.method == "POST" and form.is_valid():
        d = form.cleaned_data
        try:
            services.register(request, person_type=d["person_type"], name=d["name"], id_type=d["id_type"],
                              id_number=d["id_number"], mobile=d["mobile"], code=d["code"], password=d["password"],
                              password2=d["password2"], region=_county(d["region"]), address=d["address"])
        except ValidationError as exc:
            apply_errors(form, exc)
        else:
            messages.success(request, "注册成功，欢迎使用社保费“掌上办”")
            return redirect("m:si_home")
    return render(request, "si_payers/register.html", {"form": form, "title": "用户实名注册",
                                                       "back_url": reverse("m:si_login")},
                  status=400 if form.errors else 200)


def _code_answer(text, ok=True, row=None):
    css = "text-success" if ok else "text-danger"
    hint = _demo_hint(row)
    return HttpResponse(format_html('<div class="small {}" id="code-result">{}{}</div>', css, text, hint))


def _demo_hint(row):
    """Development with the SMS simulator only (no operator platform, DEBUG on): show the code that the
    simulator 'sent', so that the demo can be tried without a phone. Never with a real SMS platform."""
    from django.conf import settings

    from kernel.notify.models import SmsMessage

    if row is None or settings.SMS_GATEWAY_URL or not settings.DEBUG:
        return ""
    message = SmsMessage.objects.filter(idempotency_key=f"otp:{row.pk}").first()
    code = (message.params or {}).get("code") if message else ""
    return format_html('<div class="text-muted" id="demo-code">演示环境（短信模拟器）验证码：{}</div>', code) if code else ""


@require_POST
def register_code_view(request):
    try:
        row = services.send_register_code(request, request.POST.get("mobile"))
    except ValidationError as exc:
        return _code_answer("；".join(exc.messages), ok=False)
    return _code_answer("验证码已发送，5分钟内有效", row=row)


class LoginForm(forms.Form):
    id_number = forms.CharField(label="证件号码", max_length=30, required=False,
                                widget=forms.TextInput(INPUT | {"autocomplete": "username"}))
    password = forms.CharField(label="登录密码", required=False,
                               widget=forms.PasswordInput(INPUT | {"autocomplete": "current-password"}))
    code = forms.CharField(label="短信验证码", max_length=6, required=False,
                           widget=forms.TextInput(INPUT | {"inputmode": "numeric", "autocomplete": "one-time-code"}))


def login_view(request):
    next_url = request.POST.get("next") or request.GET.get("next") or ""
    if request.user.is_authenticated and request.method == "GET":
        return redirect("m:si_home")
    form = LoginForm(request.POST or None)
    if request.method == "POST" and form.is_valid():
        d = form.cleaned_data
        try:
            services.login(request, d["id_number"], d["password"], d["code"])
        except ValidationError as exc:
            apply_errors(form, exc)
        else:
            if next_url.startswith("/m/si/") and url_has_allowed_host_and_scheme(next_url, {request.get_host()}):
                return redirect(next_url)
            return redirect("m:si_home")
    return render(request, "si_payers/login.html", {"form": form, "title": "社保费掌上办", "next": next_url},
                  status=400 if form.errors else 200)


@require_POST
def login_code_view(request):
    try:
        masked, row = services.send_login_code(request, request.POST.get("id_number"), request.POST.get("password"))
    except ValidationError as exc:
        return _code_answer("；".join(exc.messages), ok=False)
    return _code_answer(f"验证码已发送至{masked}，5分钟内有效", row=row)


class HomeView(PayerMixin, TemplateView):
    """The service home: the payer and the functions of the four modules."""

    template_name = "si_payers/home.html"
    title = "社保费掌上办"

    def get_context_data(self, **kwargs):
        ctx = super().get_context_data(**kwargs)
        ctx.update(groups=tiles_for(self.payer), back_url=None)
        ctx.update(push_context(self.request, self.payer))  # the notices due now, as a pop-up
        return ctx


class CompleteForm(forms.Form):
    person_type = forms.ChoiceField(label="用户类型", choices=PersonType.choices, widget=forms.RadioSelect,
                                    error_messages={"required": "请选择用户类型（灵活就业人员或城乡居民）"})
    region = forms.ChoiceField(label="参保地", widget=forms.Select({"class": "form-select"}),
                               error_messages={"required": "请选择参保地（县、市、区）"})
    address = forms.CharField(label="联系地址（选填）", max_length=200, required=False, widget=forms.TextInput(INPUT))

    def __init__(self, *args, **kwargs):
        super().__init__(*args, **kwargs)
        self.fields["region"].choices = county_choices()


class CompleteView(EntranceMixin, TemplateView):
    """An account of the platform that is not a payer yet adds its person type and county."""

    entrance = "m"
    template_name = "mobile/form.html"
    title = "补充缴费人信息"

    def get_login_url(self):
        return reverse("m:si_login")

    def get(self, request):
        if payer_of(request.user):
            return redirect("m:si_home")
        return self.render_to_response(self.get_context_data(form=CompleteForm(), help=[
            f"姓名：{request.user.display_name}", "证件号码与手机号码取自您的账号实名信息。"]))

    def post(self, request):
        form = CompleteForm(request.POST)
        if form.is_valid():
            d = form.cleaned_data
            try:
                services.complete_profile(request.user, person_type=d["person_type"], region=_county(d["region"]),
                                          address=d["address"])
            except ValidationError as exc:
                apply_errors(form, exc)
            else:
                next_url = request.GET.get("next", "")
                return redirect(next_url if next_url.startswith("/m/si/") else reverse("m:si_home"))
        return self.render_to_response(self.get_context_data(form=form), status=400)


class ContactForm(forms.Form):
    address = forms.CharField(label="联系地址", max_length=200, required=False, widget=forms.TextInput(INPUT))
    mobile = forms.CharField(label="手机号码", max_length=11, required=False,
                             widget=forms.TextInput(INPUT | {"inputmode": "numeric"}))
    code = forms.CharField(label="新号码短信验证码", max_length=6, required=False,
                           widget=forms.TextInput(INPUT | {"inputmode": "numeric", "autocomplete": "one-time-code"}))


class ProfileView(PayerMixin, TemplateView):
    """信息查看: basic and participation information; the mobile number and address are maintained here."""

    template_name = "si_payers/profile.html"
    title = "个人信息"

    def get_context_data(self, **kwargs):
        ctx = super().get_context_data(**kwargs)
        p = self.payer
        ctx.update(form=kwargs.get("form") or ContactForm(initial={"address": p.address, "mobile": p.mobile}),
                   participations=list(Participation.objects.filter(payer=p).select_related("insurance")),
                   special=SpecialCategory(p.special_category).label if p.special_category else "无")
        return ctx

    def post(self, request):
        form = ContactForm(request.POST)
        if form.is_valid():
            d = form.cleaned_data
            try:
                services.update_contact(self.payer, request.user, address=d["address"], mobile=d["mobile"], code=d["code"])
            except ValidationError as exc:
                apply_errors(form, exc)
            else:
                messages.success(request, "联系信息已保存")
                return redirect("m:si_profile")
        return self.render_to_response(self.get_context_data(form=form), status=400)


class MobileCodeView(PayerMixin, TemplateView):
    def post(self, request):
        try:
            row = services.send_mobile_code(request, self.payer, request.POST.get("mobile"))
        except ValidationError as exc:
            return _code_answer("；".join(exc.messages), ok=False)
        return _code_answer("验证码已发送至新号码，5分钟内有效", row=row)


class ParticipationView(PayerMixin, TemplateView):
    """参保信息查询 (pattern A: the payer's three identity elements): agency, collection item and sub-item,
    status and special category of each insured type, or a friendly message when there is none."""

    template_name = "si_payers/participation.html"

    def get_title(self):
        return f"{self.payer.get_person_type_display()}参保信息查询"

    def get_context_data(self, **kwargs):
        ctx = super().get_context_data(**kwargs)
        ctx["rows"] = list(Participation.objects.filter(payer=self.payer).select_related("insurance"))
        ctx["special"] = SpecialCategory(self.payer.special_category).label if self.payer.special_category else "无"
        return ctx
