"""The report envelope (PROTOCOL.md): SM2 session key, SM4-GCM payload, SM3 digest, SM2 signature. A sealed report
opens with the city's private key; a flipped byte anywhere, a wrong signature, an unknown node, a stale time or
a payload missing a required field is refused with its code and a Chinese message."""
import base64
import datetime

import pytest
from gmssl import sm2 as gm

from integrations.city_node import sm
from integrations.city_node.envelope import EnvelopeError, open_envelope, resign, seal

NODE_PRIV, NODE_PUB = sm.generate_keypair()
CITY_PRIV, CITY_PUB = sm.generate_keypair()
PAYLOAD = {"items": [{"number": "XT1", "subject": "链路中断", "content": "上联中断", "initiating_unit": "兴宁区",
                      "business_type": "故障处理", "receiving_unit": "市节点", "initiator_contact": "蒙",
                      "initiator_phone": "13771208005", "status": "已办结", "om_level": "一级（重大）",
                      "star_rating": 5, "completed_at": None}]}


def sealed(payload=PAYLOAD, kind="work_orders", **kw):
    return seal(payload, kind=kind, node_code="XN01", message_id="m-1", node_private=NODE_PRIV, node_public=NODE_PUB,
                city_public=CITY_PUB, **kw)


def opened(env, **kw):
    return open_envelope(env, city_private=CITY_PRIV, node_public_for={"XN01": NODE_PUB}.get, **kw)


def flip(text, at=10):
    raw = bytearray(base64.b64decode(text))
    raw[at] ^= 0x01
    return base64.b64encode(bytes(raw)).decode()


def refused(env):
    with pytest.raises(EnvelopeError) as exc:
        opened(env)
    return exc.value


def test_a_sealed_report_opens_at_the_city():
    env = sealed()
    assert "链路中断" not in str(env)  # nothing in clear
    assert opened(env) == PAYLOAD


def test_sm2_keys_and_ciphertexts_interoperate_with_gmssl():
    blob = sm.sm2_encrypt(CITY_PUB, b"0123456789abcdef")
    theirs = gm.CryptSM2(private_key=CITY_PRIV, public_key="", mode=1)
    theirs.public_key = CITY_PUB
    assert theirs.decrypt(blob) == b"0123456789abcdef"
    assert sm.sm2_decrypt(CITY_PRIV, theirs.encrypt(b"hello")) == b"hello"
    assert sm.public_of(CITY_PRIV) == CITY_PUB and sm.on_curve(CITY_PUB)


def test_a_flipped_ciphertext_byte_breaks_the_signature():
    env = sealed()
    env["ciphertext"] = flip(env["ciphertext"])
    exc = refused(env)
    assert exc.code == "BAD_SIGNATURE" and exc.message == "签名验证失败：报文被篡改或非该节点签发"


def test_a_flipped_byte_under_a_valid_signature_does_not_decrypt():
    env = sealed()
    env["ciphertext"] = flip(env["ciphertext"])
    exc = refused(resign(env, NODE_PRIV, NODE_PUB))
    assert exc.code == "DECRYPT_FAILED" and "SM4-GCM认证失败" in exc.message
    env = sealed()
    env["encrypted_key"] = flip(env["encrypted_key"], at=80)  # inside C3 / C2 of the SM2 ciphertext
    exc = refused(resign(env, NODE_PRIV, NODE_PUB))
    assert exc.code == "DECRYPT_FAILED" and "C3不符" in exc.message


def test_a_signature_by_another_key_is_refused():
    other_priv, other_pub = sm.generate_keypair()
    env = resign(sealed(), other_priv, other_pub)
    assert refused(env).code == "BAD_SIGNATURE"
    env = sealed()
    env["signature"] = "zz" * 64
    assert refused(env).code == "BAD_SIGNATURE"


def test_the_clear_header_is_bound_to_the_ciphertext():
    env = sealed()
    env["kind"] = "alarms"  # re-labelled under a fresh signature: the GCM associated data no longer matches
    assert refused(resign(env, NODE_PRIV, NODE_PUB)).code == "DECRYPT_FAILED"


def test_unknown_node_stale_and_missing_parameters():
    env = sealed()
    env["node_code"] = "NOBODY"
    exc = refused(env)
    assert exc.code == "UNKNOWN_NODE" and "未在市级节点登记" in exc.message
    old = sealed(now=datetime.datetime.now(datetime.timezone.utc) - datetime.timedelta(hours=1))
    assert refused(old).code == "STALE"
    env = sealed()
    del env["digest"]
    env["nonce"] = 5
    exc = refused(env)
    assert exc.code == "INVALID_PARAMETER"
    assert exc.errors == {"digest": ["缺少必填参数：报文摘要"], "nonce": ["随机数应为字符串"]}
    env = sealed()
    env["kind"] = "gossip"
    assert refused(env).errors["kind"] == ["报文类型“gossip”无效，应为：node、resources、performance、alarms、work_orders"]


def test_payload_fields_are_checked_after_decryption():
    bad = {"items": [dict(PAYLOAD["items"][0], star_rating=6)]}
    del bad["items"][0]["subject"]
    exc = refused(sealed(bad))
    assert exc.code == "INVALID_PARAMETER"
    assert exc.errors == {"items[0].subject": ["缺少必填字段：主题"], "items[0].star_rating": ["星级评价应为1至5"]}
    resources = {"items": [{"number": "R1", "category": "router", "name": "x", "sub_resources": [{"number": "S1"}]}]}
    errors = refused(sealed(resources, kind="resources")).errors
    assert errors["items[0].category"] == ["资源类别“router”无效，应为：network、firewall、load_balancer、database、"
                                           "middleware、business_system"]
    assert errors["items[0].sub_resources[0].name"] == ["缺少必填字段：子资源名称"]
