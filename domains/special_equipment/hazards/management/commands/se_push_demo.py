"""Simulate an inspection agency's system: sign and push one inspection report with its major hazard
to a running platform (the inbound endpoint se.inspection_report_push, see docs/open-interfaces.md).

    # once: an API client for the demo institution (inst_demo's organisation); prints key and secret
    manage.py se_push_demo --create-client --url http://127.0.0.1:8000
    # then, with the key and secret printed (or ZW_API_KEY / ZW_API_SECRET in the environment):
    manage.py se_push_demo --key zw... --secret ... [--equipment 3110...] [--report-no GXTJ-...] [--again]
    manage.py se_push_demo --key ... --secret ... --dry-run      # print the signed request, send nothing

The sample report is concluded 不符合要求 on a device of the demo user unit (or --equipment), with the
two first GB 45067—2024 criteria of its category as the hazard's items, a requirement and a deadline in
30 days. --again pushes the same report a second time under a new message id: the platform answers
"unchanged" and stores no second report. The command reads the local database only to choose the
sample (and to create the client); the push itself goes over HTTP like any outside system's."""
import json
import os
import urllib.error
import urllib.request
from datetime import timedelta

from django.core.management.base import BaseCommand, CommandError
from django.utils import timezone

from kernel.interfaces.client import ALGORITHMS, HEADER_MESSAGE_ID, HMAC_SM3, sign_request

from ...push import PUSH_ENDPOINT

PATH = f"/api/inbound/{PUSH_ENDPOINT}/"
DEMO_INSTITUTION_USER = "inst_demo"
DEMO_UNIT_USER = "ent_demo"


class Command(BaseCommand):
    help = "Sign and push a sample inspection report with its major hazard to a running server (agency simulator)."

    def add_arguments(self, parser):
        parser.add_argument("--url", default=os.environ.get("ZW_BASE_URL", "http://127.0.0.1:8000"),
                            help="the platform's base URL (default http://127.0.0.1:8000)")
        parser.add_argument("--key", default=os.environ.get("ZW_API_KEY", ""), help="key id (X-ZW-Key)")
        parser.add_argument("--secret", default=os.environ.get("ZW_API_SECRET", ""), help="the client secret")
        parser.add_argument("--algorithm", default=HMAC_SM3, choices=ALGORITHMS)
        parser.add_argument("--create-client", action="store_true",
                            help="create an API client for the institution first (role se_institution)")
        parser.add_argument("--institution", type=int, help="with --create-client: organisation id of the institution")
        parser.add_argument("--equipment", default="", help="equipment code (default: a device of the demo unit)")
        parser.add_argument("--report-no", default="", help="report number (default DEMO-<timestamp>)")
        parser.add_argument("--no-hazard", action="store_true", help="push the report only")
        parser.add_argument("--again", action="store_true", help="push the same report a second time (idempotency)")
        parser.add_argument("--dry-run", action="store_true", help="print the signed request, send nothing")

    def handle(self, *args, **opts):
        key, secret = opts["key"], opts["secret"]
        if opts["create_client"]:
            key, secret, algorithm = self.create_client(opts["institution"])
            opts["algorithm"] = algorithm
        if not (key and secret):
            raise CommandError("请提供 --key 和 --secret（或环境变量 ZW_API_KEY / ZW_API_SECRET），或使用 --create-client")
        payload = self.sample(opts)
        body = json.dumps(payload, ensure_ascii=False, separators=(",", ":")).encode()
        rounds = 2 if opts["again"] else 1
        for round_no in range(1, rounds + 1):
            message_id = f"demo-{payload['report_no']}-{round_no}"
            headers = sign_request("POST", PATH, "", body, key, secret, opts["algorithm"])
            headers |= {"Content-Type": "application/json", HEADER_MESSAGE_ID: message_id}
            self.stdout.write(f"\nPOST {opts['url'].rstrip('/')}{PATH}")
            for name, value in headers.items():
                self.stdout.write(f"{name}: {value}")
            self.stdout.write("\n" + body.decode())
            if opts["dry_run"]:
                return
            status, answer = self.send(opts["url"], body, headers)
            self.stdout.write(f"\n→ HTTP {status}")
            self.stdout.write(json.dumps(answer, ensure_ascii=False, indent=2))
            if status >= 300:
                raise CommandError(f"推送未被接受（HTTP {status}）：{answer.get('detail', '')}")

    # -- the client ------------------------------------------------------------------------------------------
    def create_client(self, institution_id):
        from kernel.accounts.models import Role, User
        from kernel.interfaces import services
        from kernel.org.models import Organisation

        institutions = Organisation.objects.filter(kind=Organisation.Kind.INSTITUTION)
        if institution_id:
            org = institutions.filter(pk=institution_id).first()
        else:
            demo = User.objects.filter(username=DEMO_INSTITUTION_USER).select_related("organisation").first()
            org = demo.organisation if demo and demo.organisation_id else institutions.order_by("id").first()
        if org is None:
            raise CommandError("没有找到技术机构：请先运行 seed_demo，或用 --institution 指定机构ID")
        role = Role.objects.filter(code="se_institution").first()
        if role is None:
            raise CommandError("角色 se_institution 不存在：请先运行 load_reference")
        client, secret = services.create_client(name=f"{org.name}检验业务系统（演示）", organisation=org, roles=[role])
        self.stdout.write(self.style.SUCCESS(f"已为“{org.name}”创建接入客户端（密钥只显示这一次，请妥善保存）："))
        self.stdout.write(f"  X-ZW-Key: {client.key_id}\n  secret:   {secret}\n  算法:     {client.algorithm}")
        return client.key_id, secret, client.algorithm

    # -- the sample report --------------------------------------------------------------------------------------
    def sample(self, opts):
        from domains.special_equipment.equipment.models import Equipment
        from kernel.accounts.models import User

        from ...models import JudgementItem

        if opts["equipment"]:
            code = opts["equipment"]
            category = Equipment.objects.filter(code=code).values_list("category", flat=True).first() or "3000"
        else:
            devices = Equipment.objects.filter(status=Equipment.Status.IN_USE).order_by("id")
            unit = User.objects.filter(username=DEMO_UNIT_USER).values_list("organisation_id", flat=True).first()
            device = (devices.filter(user_unit_id=unit).first() if unit else None) or devices.first()
            if device is None:
                raise CommandError("没有在用的特种设备：请先运行 seed_demo，或用 --equipment 指定设备代码")
            code, category = device.code, device.category
        today = timezone.localdate()
        criteria = list(JudgementItem.objects.filter(enabled=True, equipment_category=category).order_by("order")[:2]) \
            or list(JudgementItem.objects.filter(enabled=True, equipment_category="").order_by("order")[:2])
        payload = {
            "report_no": opts["report_no"] or f"DEMO-{timezone.localtime():%Y%m%d%H%M%S}",
            "equipment_code": code, "kind": "periodic", "inspected_on": today.isoformat(),
            "conclusion": "nonconforming", "next_inspection_on": (today + timedelta(days=365)).isoformat(),
            "problems": "；".join(c.text for c in criteria) or "安全保护装置失效", "inspector": "演示检验员",
        }
        if not opts["no_hazard"]:
            payload["hazard"] = {
                "source": "inspection", "description": f"定期检验发现重大事故隐患：{payload['problems']}",
                "found_on": today.isoformat(), "requirement": "立即停止使用，按判定项建议处置措施整改，整改后申请复检",
                "deadline": (today + timedelta(days=30)).isoformat(),
                "items": [{"judgement_code": c.code} for c in criteria] or [{"description": "安全保护装置失效"}],
            }
        return payload

    def send(self, base_url, body, headers):
        request = urllib.request.Request(base_url.rstrip("/") + PATH, data=body, headers=headers, method="POST")
        try:
            with urllib.request.urlopen(request, timeout=30) as response:  # noqa: S310 (the operator's URL)
                return response.status, json.loads(response.read() or b"{}")
        except urllib.error.HTTPError as exc:
            text = exc.read()
            try:
                return exc.code, json.loads(text or b"{}")
            except ValueError:
                return exc.code, {"detail": text.decode("utf-8", "replace")[:500]}
        except urllib.error.URLError as exc:
            raise CommandError(f"无法连接 {base_url}：{exc.reason}（请先启动平台，如 make run）") from None
