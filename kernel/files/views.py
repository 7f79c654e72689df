"""Download, thumbnail, the HTMX attachment panel (list + upload) and delete.

All of /files/ is shared by the entrances: the owner record's scope decides, never the URL.
"""
from django.contrib import messages
from django.contrib.auth.decorators import login_required
from django.contrib.contenttypes.models import ContentType
from django.core.exceptions import PermissionDenied, ValidationError
from django.http import Http404, HttpResponse
from django.shortcuts import redirect
from django.template.loader import render_to_string
from django.urls import reverse
from django.utils.http import url_has_allowed_host_and_scheme
from django.views.decorators.csrf import csrf_exempt, csrf_protect
from django.views.decorators.http import require_GET, require_http_methods, require_POST

from . import services
from .forms import AttachmentForm
from .purposes import get_purpose, human_size
from .uploads import limit_uploads, too_large

PANEL_TEMPLATE = "files/_attachments.html"


def panel_context(request, owner, purpose=None, *, form=None, next_url=None, notice=None) -> dict:
    """Context of files/_attachments.html for one record (and one purpose, or all of them)."""
    user = request.user
    if not services.may_view(user, owner):
        return {"hidden": True}
    if isinstance(purpose, str):
        key, purpose = purpose, get_purpose(purpose)
        if purpose is None:
            raise ValueError(f"unknown attachment purpose {key!r}")
    ct = ContentType.objects.get_for_model(owner)
    label = services.owner_label(owner)
    can_upload = purpose is not None and services.may_upload(user, owner, purpose)
    rule = services._delete_rule(user, owner)
    attachments = services.attachments_of(owner, user, purpose.key if purpose else None)
    if can_upload and form is None:
        form = AttachmentForm(purpose=purpose)
    return {
        "hidden": False,
        "panel_id": f"attachments-{ct.pk}-{owner.pk}-{purpose.key if purpose else 'all'}",
        "panel_key": purpose.key if purpose else "",
        "owner": owner,
        "purpose": purpose,
        "rows": [(a, rule(a)) for a in attachments],
        "can_upload": can_upload,
        "form": form if can_upload else None,
        "upload_url": reverse("files:panel", args=[label, owner.pk, purpose.key]) if purpose else "",
        "next": next_url or request.get_full_path(),
        "notice": notice,
    }


def render_panel(request, owner, purpose=None, **kwargs) -> HttpResponse:
    ctx = panel_context(request, owner, purpose, **kwargs)
    return HttpResponse(render_to_string(PANEL_TEMPLATE, ctx, request=request))


def _next_url(request, owner):
    target = request.POST.get("next") or ""
    if target and url_has_allowed_host_and_scheme(target, {request.get_host()},
                                                  require_https=request.is_secure()):
        return target
    return owner.get_absolute_url() if hasattr(owner, "get_absolute_url") else "/"


def _is_htmx(request):
    return bool(getattr(request, "htmx", False))


@login_required
@require_GET
def download(request, pk):
    attachment = services.get_visible_attachment(request.user, pk)
    if not services.may_view(request.user, attachment.owner):
        raise PermissionDenied("您没有查看该附件的权限")
    inline = attachment.inline_allowed and request.GET.get("download") != "1"
    response = services.download_response(attachment, inline=inline)
    services.record_download(attachment, request.user)
    return response


@login_required
@require_GET
def thumbnail(request, pk):
    """Thumbnails are shown in every attachment list, so they are not logged as downloads."""
    attachment = services.get_visible_attachment(request.user, pk)
    if not services.may_view(request.user, attachment.owner):
        raise PermissionDenied("您没有查看该附件的权限")
    return services.thumbnail_response(attachment)


@csrf_exempt  # CSRF is checked in _owner_panel, after the size-limit handler is installed
def owner_panel(request, model, pk, purpose=None):
    if request.method == "POST" and purpose:
        p = get_purpose(purpose)
        if p is not None:
            limit_uploads(request, p.max_bytes)
    return _owner_panel(request, model, pk, purpose)


@csrf_protect
@login_required
@require_http_methods(["GET", "POST"])
def _owner_panel(request, model, pk, purpose):
    user = request.user
    owner = services.get_visible_owner(user, model, pk)
    if not services.may_view(user, owner):
        raise PermissionDenied("您没有查看该记录附件的权限")
    purpose_obj = get_purpose(purpose) if purpose else None
    if purpose and purpose_obj is None:
        raise Http404("未知的附件用途")
    if request.method == "GET":
        return render_panel(request, owner, purpose_obj, next_url=request.GET.get("next") or None)
    if purpose_obj is None:
        raise Http404("请选择附件用途")
    if not services.may_upload(user, owner, purpose_obj):
        raise PermissionDenied("您没有为该记录上传附件的权限")

    form = AttachmentForm(request.POST, request.FILES, purpose=purpose_obj)
    attachment = None
    limit = too_large(request)
    if limit is not None:
        form.is_valid()
        form.errors.pop("file", None)
        form.add_error("file", ValidationError(f"文件大小超过上限 {human_size(limit)}", code="too_large"))
    elif form.is_valid():
        try:
            attachment = services.store(owner, form.cleaned_data["file"], purpose_obj, user)
        except ValidationError as exc:
            form.add_store_error(exc)
    next_url = _next_url(request, owner)
    if _is_htmx(request):
        if attachment is not None:
            return render_panel(request, owner, purpose_obj, next_url=next_url,
                                notice=f"已上传“{attachment.original_name}”")
        return render_panel(request, owner, purpose_obj, form=form, next_url=next_url)
    if attachment is not None:
        messages.success(request, f"已上传“{attachment.original_name}”")
    else:
        messages.error(request, "上传失败：" + "；".join(e for errs in form.errors.values() for e in errs))
    return redirect(next_url)


@login_required
@require_POST
def delete(request, pk):
    attachment = services.get_visible_attachment(request.user, pk)
    owner = attachment.owner
    services.delete_attachment(attachment, request.user)  # PermissionDenied -> 403
    next_url = _next_url(request, owner)
    if _is_htmx(request):
        return render_panel(request, owner, get_purpose(request.POST.get("panel") or ""), next_url=next_url,
                            notice=f"已删除“{attachment.original_name}”")
    messages.success(request, f"已删除附件“{attachment.original_name}”")
    return redirect(next_url)
