"""One POST endpoint that takes a transition on any workflow record the user may see."""
from django.apps import apps
from django.contrib import messages
from django.contrib.auth.decorators import login_required
from django.http import Http404
from django.shortcuts import redirect
from django.utils.http import url_has_allowed_host_and_scheme
from django.views.decorators.http import require_POST

from .engine import TransitionError, WorkflowModel, history


def panel_context(obj, user):
    """Context for workflow/_panel.html: the state, the actions the user may take, the log."""
    wf = obj.workflow
    logs = list(history(obj))
    files = _log_attachments(obj, logs)
    return {
        "wf_object": obj,
        "wf_state": wf.current(obj),
        # buttons post to the generic endpoint: none for a model whose steps go through its own services
        "wf_actions": wf.available(obj, user) if type(obj).generic_transitions else [],
        "wf_history": [
            {"log": log, "from_label": _label(wf, log.from_state), "to_label": _label(wf, log.to_state),
             "files": [files[i] for i in log.attachments or () if i in files]}
            for log in logs],
        "wf_states": {s.code: s for s in wf.states},
        "wf_model": obj._meta.label_lower,
    }


def _log_attachments(obj, logs):
    """The live attachments of this record that the transitions name (one query), by id."""
    from django.contrib.contenttypes.models import ContentType

    from kernel.files.models import Attachment

    ids = {i for log in logs for i in (log.attachments or ()) if isinstance(i, int)}
    if not ids:
        return {}
    ct = ContentType.objects.get_for_model(obj)
    return {a.pk: a for a in Attachment.objects.filter(pk__in=ids, content_type=ct, object_id=obj.pk)}


def _label(wf, code):
    try:
        return wf.state(code).label
    except KeyError:
        return code


@login_required
@require_POST
def transition_view(request, model, pk, name):
    try:
        model_cls = apps.get_model(model)
    except (LookupError, ValueError):
        raise Http404("对象类型不存在") from None
    if not issubclass(model_cls, WorkflowModel) or not model_cls.generic_transitions:
        raise Http404("该对象没有可直接办理的流程")
    obj = model_cls.objects.visible_to(request.user).filter(pk=pk).first()
    if obj is None:
        raise Http404("记录不存在或不在您的管辖范围内")
    try:
        log = obj.workflow.apply(obj, name, request.user, comment=request.POST.get("comment", ""),
                                 attachments=request.POST.getlist("attachments"))
    except TransitionError as exc:
        messages.error(request, f"操作未完成：{exc}")
    else:
        messages.success(request, f"已{log.transition_label}，当前状态：{obj.workflow.state(log.to_state).label}")
    target = request.POST.get("next") or "/"
    if not url_has_allowed_host_and_scheme(target, {request.get_host()}):
        target = "/"
    return redirect(target)
