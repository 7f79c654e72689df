"""Sealing and opening a report to the city node (PROTOCOL.md). Used by the node's sender and by the local
simulator of the city node alike, so both sides check the same rules.

    envelope = seal(payload, kind=..., node_code=..., message_id=..., node_private=..., node_public=...,
                    city_public=...)                      # a JSON-able dict of strings
    payload = open_envelope(envelope, city_private=..., node_public_for=lambda code: key or None)

open_envelope raises EnvelopeError(code, message, errors) with a machine code (INVALID_PARAMETER,
UNKNOWN_NODE, STALE, BAD_SIGNATURE, DECRYPT_FAILED, DIGEST_MISMATCH, BAD_MESSAGE) and Chinese messages."""
import base64
import binascii
import datetime
import json
import os

from . import sm

VERSION = "1.0"
TOLERANCE_SECONDS = 900
KINDS = {"node": "接入节点信息", "resources": "资源及子资源信息", "performance": "资源性能信息",
         "alarms": "告警信息", "work_orders": "协同工单信息"}
CATEGORIES = {"network": "网络设备", "firewall": "防火墙", "load_balancer": "负载均衡", "database": "数据库",
              "middleware": "中间件", "business_system": "业务系统"}
ENVELOPE_FIELDS = {"version": "协议版本", "node_code": "运维节点代码", "message_id": "消息编号", "kind": "报文类型",
                   "sent_at": "发送时间", "encrypted_key": "会话密钥密文", "nonce": "随机数", "ciphertext": "报文密文",
                   "digest": "报文摘要", "signature": "签名"}
MAX_CIPHERTEXT = 8 * 1024 * 1024

# The fields of each kind's items: name -> (label, type, required). A required field must be present ("str" ones
# not blank); an optional one may be left out, and when present must have its type ("str?" / "num?" may be null).
S, N, NUM = "str", "str?", "num?"
ITEM_FIELDS = {
    "node": {"node_code": ("运维节点代码", S, True), "unit_name": ("单位名称", S, True),
             "responsible_person": ("运维负责人", S, True), "responsible_contact": ("负责人联系方式", S, True),
             "duty_phone": ("运维值班电话", S, True), "address": ("单位地址", S, True),
             "node_level": ("运维节点级别", S, True), "public_key": ("节点SM2公钥", S, True)},
    "resources": {"number": ("资源编号", S, True), "ip": ("资源IP", S, False), "category": ("资源类别", S, True),
                  "name": ("资源名称", S, True), "model": ("资源型号", S, False), "brand": ("资源品牌", S, False),
                  "url": ("资源URL", S, False), "mgmt_ip": ("资源管理IP", S, False),
                  "mgmt_port": ("资源管理端口", NUM, False), "asset_no": ("资产编号", S, False),
                  "description": ("资源描述", S, False), "sub_resources": ("子资源", "list", False)},
    "performance": {"resource_number": ("资源编号", S, True), "metric": ("指标", S, True),
                    "metric_name": ("指标名称", S, False), "value": ("数值", "num", True), "unit": ("单位", S, False),
                    "sampled_at": ("采集时间", S, True)},
    "alarms": {"alarm_id": ("告警编号", S, True), "resource_number": ("资源编号", S, False),
               "subject": ("告警对象", S, True), "level": ("告警级别", S, True), "rule": ("告警规则", S, True),
               "value": ("监测值", S, False), "raised_at": ("产生时间", S, True), "status": ("告警状态", S, True),
               "released_at": ("解除时间", N, False)},
    "work_orders": {"number": ("编号", S, True), "subject": ("主题", S, True), "content": ("内容", S, True),
                    "initiating_unit": ("发起单位", S, True), "business_type": ("业务类型", S, True),
                    "receiving_unit": ("接收单位", S, True), "receiver_feedback": ("接收单位情况反馈", S, False),
                    "initiator_contact": ("发起人联系人", S, True), "initiator_phone": ("发起人联系电话", S, True),
                    "receiver_contact": ("接收人联系人", S, False), "receiver_phone": ("接收人联系电话", S, False),
                    "status": ("处理状态", S, True), "completed_at": ("办结时间", N, False),
                    "om_level": ("运维级别", S, True), "star_rating": ("星级评价", NUM, False),
                    "evaluation": ("运维评价", S, False)},
}
SUB_RESOURCE_FIELDS = {"number": ("子资源编号", S, True), "name": ("子资源名称", S, True), "ip": ("子资源IP", S, False),
                       "url": ("子资源URL", S, False), "description": ("子资源描述", S, False)}


class EnvelopeError(Exception):
    def __init__(self, code: str, message: str, errors: dict | None = None):
        super().__init__(message)
        self.code, self.message, self.errors = code, message, errors or {}


def _b64(data: bytes) -> str:
    return base64.b64encode(data).decode("ascii")


def _unb64(envelope, name) -> bytes:
    try:
        return base64.b64decode(envelope[name].encode("ascii"), validate=True)
    except (binascii.Error, ValueError, UnicodeEncodeError):
        raise EnvelopeError("INVALID_PARAMETER", f"{ENVELOPE_FIELDS[name]}不是有效的Base64",
                            {name: [f"{ENVELOPE_FIELDS[name]}不是有效的Base64"]}) from None


def header(envelope) -> str:
    """The additional authenticated data of SM4-GCM: the envelope's clear-text header."""
    return "|".join(envelope[k] for k in ("version", "node_code", "message_id", "kind", "sent_at"))


def signing_string(envelope) -> bytes:
    return "\n".join(envelope[k] for k in ENVELOPE_FIELDS if k != "signature").encode("utf-8")


def canonical(payload) -> bytes:
    return json.dumps(payload, ensure_ascii=False, sort_keys=True, separators=(",", ":")).encode("utf-8")


def seal(payload: dict, *, kind, node_code, message_id, node_private, node_public, city_public, now=None) -> dict:
    sent_at = (now or datetime.datetime.now(datetime.timezone.utc)).isoformat(timespec="seconds")
    plain = canonical(payload)
    key, nonce = sm.sm4_key(), os.urandom(12)
    env = {"version": VERSION, "node_code": node_code, "message_id": message_id, "kind": kind, "sent_at": sent_at}
    env["encrypted_key"] = _b64(sm.sm2_encrypt(city_public, key))
    env["nonce"] = _b64(nonce)
    env["ciphertext"] = _b64(sm.sm4_gcm_encrypt(key, nonce, plain, header(env).encode("utf-8")))
    env["digest"] = sm.sm3_hex(plain)
    env["signature"] = sm.sm2_sign(node_private, node_public, signing_string(env))
    return env


def resign(envelope, node_private, node_public) -> dict:
    """The envelope signed again (tests: a tampered body under a valid signature must still be refused)."""
    env = dict(envelope)
    env["signature"] = sm.sm2_sign(node_private, node_public, signing_string(env))
    return env


def _check_params(envelope):
    if not isinstance(envelope, dict):
        raise EnvelopeError("BAD_MESSAGE", "报文应为JSON对象")
    errors = {}
    for name, label in ENVELOPE_FIELDS.items():
        value = envelope.get(name)
        if value is None or value == "":
            errors[name] = [f"缺少必填参数：{label}"]
        elif not isinstance(value, str):
            errors[name] = [f"{label}应为字符串"]
    if errors:
        raise EnvelopeError("INVALID_PARAMETER", "接口参数校验不通过", errors)
    if envelope["version"] != VERSION:
        errors["version"] = [f"不支持的协议版本“{envelope['version']}”（应为{VERSION}）"]
    if envelope["kind"] not in KINDS:
        errors["kind"] = [f"报文类型“{envelope['kind']}”无效，应为：{'、'.join(KINDS)}"]
    if len(envelope["message_id"]) > 64:
        errors["message_id"] = ["消息编号不超过64个字符"]
    if not sm.is_hex(envelope["digest"], 64):
        errors["digest"] = ["报文摘要应为64位十六进制SM3摘要"]
    if len(envelope["ciphertext"]) > MAX_CIPHERTEXT:
        errors["ciphertext"] = ["报文过大"]
    try:
        sent = datetime.datetime.fromisoformat(envelope["sent_at"])
        if sent.tzinfo is None:
            errors["sent_at"] = ["发送时间须带时区（ISO 8601）"]
    except ValueError:
        errors["sent_at"] = ["发送时间格式错误（ISO 8601）"]
    if errors:
        raise EnvelopeError("INVALID_PARAMETER", "接口参数校验不通过", errors)
    return sent


def _type_ok(value, kind):
    if kind in (S, N):
        return isinstance(value, str) or (kind == N and value is None)
    if kind in ("num", NUM):
        return (isinstance(value, (int, float)) and not isinstance(value, bool)) or (kind == NUM and value is None)
    if kind == "list":
        return isinstance(value, list)
    return False


TYPE_LABELS = {S: "字符串", N: "字符串或null", "num": "数字", NUM: "数字或null", "list": "数组"}


def _check_item(item, fields, path, errors):
    if not isinstance(item, dict):
        errors[path] = ["应为JSON对象"]
        return
    for name, (label, kind, required) in fields.items():
        where = f"{path}.{name}"
        if name not in item:
            if required:
                errors[where] = [f"缺少必填字段：{label}"]
            continue
        value = item[name]
        if not _type_ok(value, kind):
            errors[where] = [f"{label}应为{TYPE_LABELS[kind]}"]
        elif required and kind == S and not value.strip():
            errors[where] = [f"{label}不能为空"]


def validate_payload(kind, payload) -> dict:
    """{path: [message]} of a decrypted payload: {"items": [...]} with each kind's fields present and typed."""
    errors = {}
    if not isinstance(payload, dict) or not isinstance(payload.get("items"), list):
        return {"items": ["报文内容应为包含items数组的JSON对象"]}
    fields = ITEM_FIELDS[kind]
    for i, item in enumerate(payload["items"]):
        _check_item(item, fields, f"items[{i}]", errors)
        if not isinstance(item, dict):
            continue
        if kind == "resources":
            if isinstance(item.get("category"), str) and item["category"] not in CATEGORIES:
                errors[f"items[{i}].category"] = [f"资源类别“{item['category']}”无效，应为：{'、'.join(CATEGORIES)}"]
            for j, sub in enumerate(item.get("sub_resources") or []):
                _check_item(sub, SUB_RESOURCE_FIELDS, f"items[{i}].sub_resources[{j}]", errors)
        if kind == "work_orders" and isinstance(item.get("star_rating"), (int, float)) and not (
                1 <= item["star_rating"] <= 5):
            errors[f"items[{i}].star_rating"] = ["星级评价应为1至5"]
    if kind == "node" and len(payload["items"]) != 1:
        errors["items"] = ["接入节点信息应恰好一条"]
    return errors


def open_envelope(envelope, *, city_private, node_public_for, now=None) -> dict:
    """The verified, decrypted and validated payload of an envelope, or EnvelopeError."""
    sent = _check_params(envelope)
    node_public = node_public_for(envelope["node_code"])
    if not node_public:
        raise EnvelopeError("UNKNOWN_NODE", f"运维节点“{envelope['node_code']}”未在市级节点登记，身份认证失败")
    now = now or datetime.datetime.now(datetime.timezone.utc)
    if abs((now - sent).total_seconds()) > TOLERANCE_SECONDS:
        raise EnvelopeError("STALE", f"发送时间与服务器时间相差超过{TOLERANCE_SECONDS // 60}分钟")
    encrypted_key, nonce, ciphertext = (_unb64(envelope, n) for n in ("encrypted_key", "nonce", "ciphertext"))
    if not sm.sm2_verify(node_public, envelope["signature"], signing_string(envelope)):
        raise EnvelopeError("BAD_SIGNATURE", "签名验证失败：报文被篡改或非该节点签发")
    try:
        key = sm.sm2_decrypt(city_private, encrypted_key)
        if len(key) != 16:
            raise sm.CryptoError("会话密钥长度应为16字节")
        plain = sm.sm4_gcm_decrypt(key, nonce, ciphertext, header(envelope).encode("utf-8"))
    except sm.CryptoError as exc:
        raise EnvelopeError("DECRYPT_FAILED", f"报文解密失败：{exc}") from None
    if sm.sm3_hex(plain) != envelope["digest"].lower():
        raise EnvelopeError("DIGEST_MISMATCH", "报文摘要（SM3）与内容不符")
    try:
        payload = json.loads(plain)
    except ValueError:
        raise EnvelopeError("BAD_MESSAGE", "报文内容不是有效的JSON") from None
    errors = validate_payload(envelope["kind"], payload)
    if errors:
        raise EnvelopeError("INVALID_PARAMETER", "报文字段校验不通过", errors)
    return payload
