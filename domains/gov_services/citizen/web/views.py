"""Pages of the applicant's side: H5 (/m/gs/...) for citizens and enterprises, /gov/gs/... for staff."""
from django.contrib import messages
from django.core.exceptions import PermissionDenied, ValidationError
from django.http import Http404, HttpResponse
from django.shortcuts import redirect
from django.urls import reverse
from django.utils.dateparse import parse_date
from django.views.generic import TemplateView

from kernel.files import services as files
from kernel.ui.generic import EntranceMixin

from .. import services
from ..models import Address, Consultation, Delivery, Evaluation, Proof, Rectification

T = "gs_citizen/"


def _errors(exc):
    """ValidationError -> ({field: [msg]}, [non-field msgs])."""
    if hasattr(exc, "error_dict"):
        return {k: [m for e in v for m in e.messages] for k, v in exc.error_dict.items()}, []
    return {}, list(exc.messages)


class M(EntranceMixin, TemplateView):
    entrance = "m"
    back_url = "/m/gs/me/"

    def get_context_data(self, **kwargs):
        ctx = super().get_context_data(**kwargs)
        ctx.setdefault("back_url", self.back_url)
        return ctx

    def fail(self, exc, **ctx):
        fields, other = _errors(exc)
        return self.render_to_response(self.get_context_data(errors=fields, error_list=other, **ctx), status=400)


def my_cases(user):
    from domains.gov_services.one_window.models import Case

    return Case.objects.visible_to(user).filter(applicant_user=user).select_related("matter")


def my_case(user, pk):
    case = my_cases(user).filter(pk=pk).first()
    if case is None:
        raise Http404("办件不存在")
    return case


def my_proof(user, pk):
    proof = Proof.objects.visible_to(user).filter(pk=pk, owner=user).first()
    if proof is None:
        raise Http404("证明不存在")
    return proof


# -- personal centre ----------------------------------------------------------------------------
class CentreView(M):
    template_name = T + "m_centre.html"
    title = "个人中心"
    back_url = "/m/"

    def get_context_data(self, **kwargs):
        from kernel.notify.models import InAppMessage

        ctx = super().get_context_data(**kwargs)
        user = self.request.user
        cases = my_cases(user)
        ctx.update(cases=cases.order_by("-id")[:5], case_count=cases.count(),
                   proofs=Proof.objects.visible_to(user).filter(owner=user).count(),
                   addresses=Address.objects.visible_to(user).filter(owner=user).count(),
                   messages_list=InAppMessage.objects.visible_to(user).order_by("-created_at")[:5],
                   consultations=Consultation.objects.visible_to(user).filter(applicant=user).count(),
                   licences=cases.filter(status="completed").count())
        return ctx


class CasesView(M):
    template_name = T + "m_cases.html"
    title = "我的办件"

    def get_context_data(self, **kwargs):
        ctx = super().get_context_data(**kwargs)
        cases = my_cases(self.request.user).order_by("-id")
        if self.request.GET.get("done"):
            cases = cases.filter(status="completed")
            ctx["title"] = "已办证照"
        ctx["cases"] = cases[:100]
        return ctx


class CaseView(M):
    template_name = T + "m_case.html"
    title = "办件详情"
    back_url = "/m/gs/me/cases/"

    def get_context_data(self, **kwargs):
        from kernel.workflow.engine import history

        ctx = super().get_context_data(**kwargs)
        user = self.request.user
        case = my_case(user, self.kwargs["pk"])
        delivery = Delivery.objects.filter(case=case).first()
        ctx.update(case=case, state=case.workflow.current(case), log=history(case).order_by("time", "id"),
                   materials=case.materials.select_related("attachment"), delivery=delivery,
                   addresses=Address.objects.visible_to(user).filter(owner=user),
                   evaluation=Evaluation.objects.filter(case=case).first(),
                   evaluable=case.status in services.EVALUABLE,
                   results=files.attachments_of(case, user).exclude(
                       purpose__in=[services.CASE_MATERIAL_PURPOSE, services.SIGNATURE_PURPOSE.key]),
                   methods=Delivery.Method.choices, evaluation_hint=services.EVALUATION_PURPOSE.hint,
                   evaluation_accept=services.EVALUATION_PURPOSE.accept)
        return ctx

    def post(self, request, pk):
        case = my_case(request.user, pk)
        action = request.POST.get("action")
        try:
            if action == "delivery":
                address = Address.objects.visible_to(request.user).filter(
                    pk=request.POST.get("address") or 0, owner=request.user).first()
                services.choose_delivery(request.user, case, method=request.POST.get("method"), address=address,
                                         door_pickup=bool(request.POST.get("door_pickup")),
                                         pickup_address=request.POST.get("pickup_address", ""))
                messages.success(request, "取件方式已保存")
            elif action == "evaluate":
                ev = services.evaluate(request.user, case, rating=request.POST.get("rating"),
                                       comment=request.POST.get("comment", ""), media=request.FILES.getlist("media"))
                messages.success(request, "感谢您的评价" + ("，我们将督促部门整改" if ev.bad else ""))
            elif action == "withdraw":
                case.workflow.apply(case, "withdraw", request.user, comment=request.POST.get("comment") or "申请人撤回")
                messages.success(request, "申请已撤回")
            else:
                raise ValidationError("未知操作")
        except ValidationError as exc:
            return self.fail(exc)
        except Exception as exc:  # TransitionError
            from kernel.workflow.engine import TransitionError

            if isinstance(exc, TransitionError):
                return self.fail(ValidationError(str(exc)))
            raise
        return redirect("m:gs_citizen_case", pk=case.pk)


class MessagesView(M):
    template_name = T + "m_messages.html"
    title = "消息提醒"

    def get_context_data(self, **kwargs):
        from kernel.notify.models import InAppMessage

        ctx = super().get_context_data(**kwargs)
        ctx["items"] = InAppMessage.objects.visible_to(self.request.user).order_by("-created_at")[:100]
        return ctx


# -- proofs ---------------------------------------------------------------------------------------
class ProofsView(M):
    template_name = T + "m_proofs.html"
    title = "我的证明"

    def get_context_data(self, **kwargs):
        ctx = super().get_context_data(**kwargs)
        ctx["proofs"] = Proof.objects.visible_to(self.request.user).filter(owner=self.request.user)
        return ctx


class ProofEditView(M):
    template_name = T + "m_proof_form.html"
    back_url = "/m/gs/proofs/"

    def get_title(self):
        return "修改证明" if self.kwargs.get("pk") else "添加证明"

    def get_context_data(self, **kwargs):
        ctx = super().get_context_data(**kwargs)
        proof = my_proof(self.request.user, self.kwargs["pk"]) if self.kwargs.get("pk") else None
        ctx.update(proof=proof, kinds=Proof.Kind.choices, purpose=services.PROOF_PURPOSE,
                   data=self.request.POST if self.request.method == "POST" else None)
        return ctx

    def post(self, request, pk=None):
        proof = my_proof(request.user, pk) if pk else None
        if request.POST.get("action") == "delete" and proof:
            services.delete_proof(request.user, proof)
            messages.success(request, "证明已删除")
            return redirect("m:gs_citizen_proofs")
        data = {k: request.POST.get(k, "") for k in ("kind", "name", "number", "issued_by")}
        data["valid_until"] = parse_date(request.POST.get("valid_until") or "") or None
        try:
            services.save_proof(request.user, proof, data, request.FILES.get("file"))
        except ValidationError as exc:
            return self.fail(exc)
        messages.success(request, "证明已保存")
        return redirect("m:gs_citizen_proofs")


class ProofQrView(M):
    template_name = T + "m_proof_qr.html"
    title = "证明二维码"
    back_url = "/m/gs/proofs/"

    def get_context_data(self, **kwargs):
        ctx = super().get_context_data(**kwargs)
        proof = my_proof(self.request.user, self.kwargs["pk"])
        token = services.proof_token(proof)
        url = self.request.build_absolute_uri(reverse("gov:gs_citizen_proof_scan", args=[token]))
        ctx.update(proof=proof, svg=services.qr_svg(url).decode(), minutes=services.QR_MAX_AGE // 60)
        return ctx


class ProofFileView(M):
    def get(self, request, pk):
        proof = my_proof(request.user, pk)
        att = services.proof_file(proof)
        if att is None:
            raise Http404("没有文件")
        return files.download_response(att, inline=True)


class ProofScanView(EntranceMixin, TemplateView):
    """Window staff scan a proof's QR code: the token decides, never the id."""
    template_name = T + "gov_proof_scan.html"
    title = "调取申请人证明"
    permission_required = "gs_window.accept_case"

    def get(self, request, token):
        try:
            proof = services.proof_from_token(token, request.user)
        except ValidationError as exc:
            return self.render_to_response(self.get_context_data(error="；".join(exc.messages)), status=403)
        if request.GET.get("file"):
            att = services.proof_file(proof)
            if att is None:
                raise Http404("没有文件")
            return files.download_response(att, inline=True)
        return self.render_to_response(self.get_context_data(proof=proof, token=token,
                                                             att=services.proof_file(proof)))


# -- addresses -------------------------------------------------------------------------------------
class AddressesView(M):
    template_name = T + "m_addresses.html"
    title = "收件地址"

    def get_context_data(self, **kwargs):
        ctx = super().get_context_data(**kwargs)
        user = self.request.user
        ctx["addresses"] = Address.objects.visible_to(user).filter(owner=user)
        ctx["editing"] = (Address.objects.visible_to(user).filter(owner=user, pk=self.request.GET.get("edit") or 0)
                          .first())
        ctx.setdefault("data", None)
        return ctx

    def post(self, request):
        user = request.user
        address = None
        if request.POST.get("pk"):
            address = Address.objects.visible_to(user).filter(owner=user, pk=request.POST["pk"]).first()
            if address is None:
                raise Http404("地址不存在")
        if request.POST.get("action") == "delete" and address:
            services.delete_address(user, address)
            messages.success(request, "地址已删除")
            return redirect("m:gs_citizen_addresses")
        try:
            services.save_address(user, address, request.POST)
        except ValidationError as exc:
            return self.fail(exc, data=request.POST)
        messages.success(request, "地址已保存")
        return redirect("m:gs_citizen_addresses")


# -- consultations ---------------------------------------------------------------------------------
class ConsultationsView(M):
    template_name = T + "m_consultations.html"
    title = "咨询投诉"

    def get_context_data(self, **kwargs):
        from domains.gov_services.one_window.models import Matter

        ctx = super().get_context_data(**kwargs)
        user = self.request.user
        ctx.update(items=Consultation.objects.visible_to(user).filter(applicant=user)[:100],
                   kinds=Consultation.Kind.choices,
                   matters=Matter.objects.filter(status=Matter.Status.PUBLISHED).only("pk", "name", "code"))
        ctx.setdefault("data", None)
        return ctx

    def post(self, request):
        from domains.gov_services.one_window.models import Matter

        matter = Matter.objects.filter(status=Matter.Status.PUBLISHED, pk=request.POST.get("matter") or 0).first()
        try:
            services.submit_consultation(request.user, kind=request.POST.get("kind"),
                                         subject=request.POST.get("subject", ""),
                                         content=request.POST.get("content", ""), matter=matter)
        except ValidationError as exc:
            return self.fail(exc, data=request.POST)
        messages.success(request, "已提交，答复后将通过消息提醒您")
        return redirect("m:gs_citizen_consultations")


# -- online application ----------------------------------------------------------------------------
class ApplyView(M):
    template_name = T + "m_apply.html"
    title = "网上申请"

    def get_matter(self):
        matter = services.online_matter(self.kwargs["code"])
        if matter is None:
            raise Http404("事项不存在、未发布或不支持网上申请")
        return matter

    def get_case(self, matter):
        from domains.gov_services.one_window.models import Case

        pk = self.request.GET.get("case") or self.request.POST.get("case")
        if not pk:
            return None
        case = my_cases(self.request.user).filter(pk=pk, matter=matter, status="draft",
                                                  channel=Case.Channel.ONLINE).first()
        if case is None:
            raise Http404("草稿不存在")
        return case

    def get_context_data(self, **kwargs):
        ctx = super().get_context_data(**kwargs)
        user = self.request.user
        matter = self.get_matter()
        case = self.get_case(matter)
        proofs = list(Proof.objects.visible_to(user).filter(owner=user))
        items = services.application_materials(matter)
        have = {m.name: m for m in case.materials.all()} if case else {}
        for item in items:
            item["proofs"] = [p for p in proofs if not item["licence_type"] or p.kind == item["licence_type"]]
            item["have"] = have.get(item["name"])
        data = self.request.POST if self.request.method == "POST" else None
        ctx.update(matter=matter, case=case, items=items, data=data, enterprise=user.kind == "enterprise",
                   prefill={"name": case.applicant_name if case else user.real_name,
                            "phone": case.applicant_phone if case else user.phone,
                            "id": case.applicant_id_number if case else (user.id_number or "")},
                   has_signature=bool(case and case.form_data.get("signature")),
                   accept=services.files_purpose_accept())
        return ctx

    def post(self, request, code):
        matter = self.get_matter()
        case = self.get_case(matter)
        user = request.user
        materials = {}
        for item in services.application_materials(matter):
            key = item["key"]
            upload = request.FILES.get(f"file_{key}")
            proof_pk = request.POST.get(f"proof_{key}")
            if upload is not None:
                materials[key] = {"file": upload}
            elif proof_pk:
                proof = Proof.objects.visible_to(user).filter(pk=proof_pk).first()
                if proof is None:
                    raise Http404("证明不存在")
                materials[key] = {"proof": proof}
        submit = request.POST.get("action") == "submit"
        try:
            case = services.save_application(
                user, matter, case=case, applicant_name=request.POST.get("applicant_name"),
                applicant_phone=request.POST.get("applicant_phone"),
                applicant_id_number=request.POST.get("applicant_id_number"), materials=materials,
                signature_kind=request.POST.get("signature_kind", ""),
                signature_data=request.POST.get("signature_data", ""), submit=submit)
        except ValidationError as exc:
            return self.fail(exc)
        except PermissionDenied:
            raise
        if submit:
            messages.success(request, f"申请已提交，申报号{case.no}，请等待窗口受理")
            return redirect("m:gs_citizen_case", pk=case.pk)
        messages.success(request, f"草稿已保存（申报号{case.no}）")
        return redirect(f"{reverse('m:gs_citizen_apply', args=[matter.code])}?case={case.pk}")


# -- staff pages ------------------------------------------------------------------------------------
class StaffConsultationsView(EntranceMixin, TemplateView):
    template_name = T + "gov_consultations.html"
    title = "咨询投诉答复"
    permission_required = "gs_citizen.view_consultation"

    def get_context_data(self, **kwargs):
        ctx = super().get_context_data(**kwargs)
        qs = Consultation.objects.visible_to(self.request.user).select_related("matter", "applicant")
        status = self.request.GET.get("status", "open")
        if status in Consultation.Status.values:
            qs = qs.filter(status=status)
        ctx.update(items=qs[:200], status=status, can_reply=self.request.user.has_perm("gs_citizen.reply_consultation"))
        return ctx

    def post(self, request):
        item = Consultation.objects.visible_to(request.user).filter(pk=request.POST.get("pk") or 0).first()
        if item is None:
            raise Http404("记录不存在或不在您的管辖范围内")
        try:
            services.reply_consultation(request.user, item, request.POST.get("reply"))
        except ValidationError as exc:
            messages.error(request, "；".join(exc.messages))
            return redirect(request.path)
        messages.success(request, "已答复")
        return redirect(request.path)


class RectificationsView(EntranceMixin, TemplateView):
    template_name = T + "gov_rectifications.html"
    title = "差评整改"
    permission_required = "gs_citizen.view_rectification"

    def get_context_data(self, **kwargs):
        ctx = super().get_context_data(**kwargs)
        qs = Rectification.objects.visible_to(self.request.user).select_related(
            "evaluation", "evaluation__case", "evaluation__matter", "department")
        ctx["items"] = qs[:200]
        return ctx


class RectificationView(EntranceMixin, TemplateView):
    template_name = T + "gov_rectification.html"
    title = "差评整改"
    permission_required = "gs_citizen.view_rectification"

    def get_rect(self):
        rect = Rectification.objects.visible_to(self.request.user).select_related(
            "evaluation", "evaluation__case", "evaluation__matter", "department").filter(pk=self.kwargs["pk"]).first()
        if rect is None:
            raise Http404("记录不存在或不在您的管辖范围内")
        return rect

    def get_context_data(self, **kwargs):
        ctx = super().get_context_data(**kwargs)
        rect = self.get_rect()
        ctx.update(rect=rect, media=files.attachments_of(rect.evaluation, self.request.user),
                   can_close=self.request.user.has_perm("gs_citizen.handle_rectification"))
        return ctx

    def post(self, request, pk):
        rect = self.get_rect()
        try:
            services.close_rectification(request.user, rect, request.POST.get("reply"))
        except ValidationError as exc:
            return self.render_to_response(self.get_context_data(error="；".join(exc.messages)), status=400)
        messages.success(request, "整改已办结")
        return redirect("gov:gs_citizen_rectification", pk=rect.pk)


class EvaluationStatsView(EntranceMixin, TemplateView):
    template_name = T + "gov_stats.html"
    title = "好差评统计"
    permission_required = "gs_citizen.view_evaluation"

    def get(self, request, *args, **kwargs):
        rows = services.evaluation_stats(request.user)
        if request.GET.get("export"):
            if not request.user.has_perm("gs_citizen.export_evaluation"):
                raise PermissionDenied("您没有导出的权限")
            return _stats_xlsx(request, rows)
        return self.render_to_response(self.get_context_data(rows=rows))


def _stats_xlsx(request, rows):
    import io

    from openpyxl import Workbook

    from kernel.audit.services import log_operation

    wb = Workbook()
    ws = wb.active
    ws.title = "好差评统计"
    ws.append(["办理部门", "事项编码", "事项名称", "评价数", "平均分", "差评数"])
    for r in rows:
        ws.append([r["department__name"], r["matter__code"], r["matter__name"], r["count"],
                   round(float(r["avg"] or 0), 2), r["bad"]])
    out = io.BytesIO()
    wb.save(out)
    log_operation("export", user=request.user, object="好差评统计", rows=len(rows))
    resp = HttpResponse(out.getvalue(),
                        content_type="application/vnd.openxmlformats-officedocument.spreadsheetml.sheet")
    resp["Content-Disposition"] = "attachment; filename*=UTF-8''evaluation_stats.xlsx"
    return resp
