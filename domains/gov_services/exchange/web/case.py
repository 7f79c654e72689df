"""The exchange on the one-window case page (/gov/gs/cases/<pk>/): the 分发至部门 / 补正后重新分发 actions
and the exchange status block (department system, shadow rows, callback files)."""
import logging

from django.contrib import messages
from django.contrib.contenttypes.models import ContentType
from django.core.exceptions import ValidationError
from django.shortcuts import redirect
from django.views import View

from domains.gov_services.one_window.models import Case
from kernel.files.models import Attachment
from kernel.ui.generic import EntranceMixin, ScopedObjectMixin
from kernel.workflow.engine import TransitionError

from .. import services
from ..models import DepartmentSystem, ShadowRecord

log = logging.getLogger(__name__)
ACCEPT, CHANGE = "gs_window.accept_case", "gs_window.change_case"


def exchange_context(case, user) -> dict:
    """Context for gs_exchange/_case_block.html (CaseDetailView adds it)."""
    shadows = list(ShadowRecord.objects.filter(case=case).select_related("system").order_by("id"))
    system = shadows[0].system if shadows else DepartmentSystem.objects.filter(
        department_id=case.matter.department_id, active=True).first()
    files = Attachment.objects.filter(content_type=ContentType.objects.get_for_model(Case), object_id=case.pk,
                                      purpose=services.FILE_PURPOSE).order_by("id")
    return {"gsx_system": system, "gsx_shadows": shadows, "gsx_files": list(files),
            "gsx_can_dispatch": case.status == "accepted" and user.has_perm(ACCEPT),
            "gsx_can_redispatch": case.status == "correction" and user.has_perm(CHANGE)}


class _CaseAction(ScopedObjectMixin, EntranceMixin, View):
    model = Case
    select_related = ("matter", "matter__department")
    state = ""
    refused_state = ""

    def post(self, request, pk):
        case = self.get_object()  # 404 outside the user's scope
        back = redirect("gov:gs_case_detail", case.pk)
        if case.status != self.state:
            messages.error(request, self.refused_state)
            return back
        try:
            shadow = self.run(case, request)
        except ValidationError as exc:
            messages.error(request, "；".join(exc.messages))
            return back
        except TransitionError as exc:
            messages.error(request, f"无法分发：{exc}")
            return back
        except Exception:  # the front-end database could not be written: everything rolled back
            log.exception("dispatch of %s failed", case.no)
            messages.error(request, "写入部门前置库失败，办件未分发，请稍后重试")
            return back
        text = f"已分发至{shadow.system.name}（申报号{shadow.sbh}，版本号{shadow.version}）"
        if shadow.acknowledged_at:
            messages.success(request, text + "，部门已确认接收")
        else:
            messages.warning(request, text + "；部门系统暂未确认接收，系统将定时重发通知")
        return back


class DispatchView(_CaseAction):
    permission_required = ACCEPT
    state = "accepted"
    refused_state = "只有已受理的办件可以分发至部门"

    def run(self, case, request):
        return services.dispatch(case, request.user)


class RedispatchView(_CaseAction):
    permission_required = CHANGE
    state = "correction"
    refused_state = "只有补正补齐中的办件可以重新分发"

    def run(self, case, request):
        return services.redispatch(case, request.user, comment=request.POST.get("comment", "").strip()[:500])
