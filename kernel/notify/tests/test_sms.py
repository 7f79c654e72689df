"""SMS outbox: the HTTP adapter against the local simulator (in-process WSGI, same bytes as HTTP)."""
import datetime

import pytest
from django.core.exceptions import ValidationError
from django.urls import reverse
from django.utils import timezone

from integrations.sms.models import SimulatedSms, SimulatorControl
from kernel.core.testing import make_staff
from kernel.notify import services
from kernel.notify.models import InAppMessage, SmsMessage, SmsTemplate

PHONE = "13877110001"


@pytest.fixture
def send(django_capture_on_commit_callbacks):
    def _send(*args, **kwargs):
        with django_capture_on_commit_callbacks(execute=True):
            return services.send_sms(*args, **kwargs)
    return _send


@pytest.mark.django_db
class TestSending:
    def test_sent_through_the_adapter_and_received_by_the_simulator(self, send):
        msg = send(PHONE, "todo_assigned", {"title": "隐患复核", "due": "2025-10-14"})
        msg.refresh_from_db()
        assert msg.status == "sent" and msg.attempts == 1 and msg.gateway == "simulator"
        received = SimulatedSms.objects.get()
        assert received.phone == PHONE and received.message_id == msg.gateway_message_id
        assert received.content == "【广西政务】您有一条新的待办：隐患复核，请于2025-10-14前办理。"

    def test_nothing_is_sent_before_commit(self, django_capture_on_commit_callbacks):
        with django_capture_on_commit_callbacks(execute=False):
            services.send_sms(PHONE, "todo_assigned", {"title": "x", "due": "y"})
        assert not SimulatedSms.objects.exists()
        assert SmsMessage.objects.get().status == "pending"

    def test_retried_after_a_gateway_failure_and_sent_once(self, send):
        control = SimulatorControl.get()
        control.fail_next = 2
        control.save()
        msg = send(PHONE, "todo_assigned", {"title": "x", "due": "y"})
        msg.refresh_from_db()
        assert msg.status == "pending" and msg.attempts == 1 and "模拟故障" in msg.last_error
        assert msg.next_attempt_at > timezone.now() + datetime.timedelta(seconds=50)  # retry in 60 s
        assert services.process_outbox() == 0  # not due yet
        later = timezone.now() + datetime.timedelta(minutes=2)
        services.process_outbox(now=later)  # second attempt: fails again, retry in 5 minutes
        msg.refresh_from_db()
        assert msg.attempts == 2 and msg.status == "pending"
        services.process_outbox(now=later + datetime.timedelta(minutes=6))
        msg.refresh_from_db()
        assert msg.status == "sent" and msg.attempts == 3
        assert SimulatedSms.objects.count() == 1
        services.process_outbox(now=later + datetime.timedelta(hours=5))
        assert SimulatedSms.objects.count() == 1  # never twice

    def test_repeat_after_a_lost_response_is_sent_once(self, send):
        msg = send(PHONE, "todo_assigned", {"title": "x", "due": "y"})
        # the worker died after the platform accepted the message: the row is due again
        SmsMessage.objects.filter(pk=msg.pk).update(status="pending", next_attempt_at=timezone.now())
        services.deliver(msg.pk)
        assert SimulatedSms.objects.count() == 1
        msg.refresh_from_db()
        assert msg.status == "sent" and msg.gateway_message_id == SimulatedSms.objects.get().message_id

    def test_permanent_error_fails_at_once(self, send):
        control = SimulatorControl.get()
        control.fail_next, control.fail_status = 1, 400
        control.save()
        msg = send(PHONE, "todo_assigned", {"title": "x", "due": "y"})
        msg.refresh_from_db()
        assert msg.status == "failed" and msg.attempts == 1

    def test_gives_up_after_the_maximum_attempts(self, send, settings):
        settings.SMS_MAX_ATTEMPTS = 2
        control = SimulatorControl.get()
        control.fail_next = 5
        control.save()
        msg = send(PHONE, "todo_assigned", {"title": "x", "due": "y"})
        services.process_outbox(now=timezone.now() + datetime.timedelta(minutes=5))
        msg.refresh_from_db()
        assert msg.status == "failed" and msg.attempts == 2

    def test_same_key_queues_once(self, send):
        a = send(PHONE, "todo_assigned", {"title": "x", "due": "y"}, key="alert:1:yellow")
        b = send(PHONE, "todo_assigned", {"title": "x", "due": "y"}, key="alert:1:yellow")
        assert a.pk == b.pk and SmsMessage.objects.count() == 1 and SimulatedSms.objects.count() == 1

    def test_rate_limit_per_phone_defers(self, send, settings):
        settings.SMS_RATE_LIMITS = [(3600, 2)]
        for i in range(3):
            send(PHONE, "todo_assigned", {"title": f"第{i}条", "due": "y"})
        third = SmsMessage.objects.order_by("id").last()
        assert third.status == "pending" and "频率" in third.last_error
        assert third.next_attempt_at > timezone.now() + datetime.timedelta(minutes=59)
        assert SimulatedSms.objects.count() == 2
        send("13877110002", "todo_assigned", {"title": "另一个号码", "due": "y"})  # other phones unaffected
        assert SimulatedSms.objects.count() == 3
        services.process_outbox(now=timezone.now() + datetime.timedelta(hours=1, minutes=1))
        assert SimulatedSms.objects.count() == 4

    def test_bad_input(self):
        with pytest.raises(ValidationError, match="手机号码格式错误"):
            services.send_sms("1234", "todo_assigned", {"title": "x", "due": "y"})
        with pytest.raises(ValidationError, match="缺少变量：due"):
            services.send_sms(PHONE, "todo_assigned", {"title": "x"})
        with pytest.raises(ValidationError, match="不存在或已停用"):
            services.send_sms(PHONE, "no_such_template", {})
        assert not SmsMessage.objects.exists()

    def test_template_wording_is_data(self, send):
        SmsTemplate.objects.filter(code="todo_assigned").update(content="待办：{title}（{due}）")
        msg = send(PHONE, "todo_assigned", {"title": "复核", "due": "明天"})
        assert msg.content == "【广西政务】待办：复核（明天）"

    def test_delivery_receipts(self, send):
        control = SimulatorControl.get()
        control.undeliverable_prefix = "1390000"
        control.save()
        ok = send(PHONE, "todo_assigned", {"title": "x", "due": "y"})
        bad = send("13900001234", "todo_assigned", {"title": "x", "due": "y"})
        assert services.poll_receipts() == 2
        ok.refresh_from_db()
        bad.refresh_from_db()
        assert ok.status == "delivered" and ok.delivered_at is not None
        assert bad.status == "undelivered" and "号码不存在" in bad.last_error
        assert services.poll_receipts() == 0  # the cursor moved on


@pytest.mark.django_db
class TestSimulatorProtocol:
    def test_bad_signature_is_refused(self):
        from integrations.sms.gateway import GatewayError, HttpSmsGateway

        gw = HttpSmsGateway(secret="wrong-secret")
        gw.simulated = True
        with pytest.raises(GatewayError) as exc:
            gw.send(phone=PHONE, content="x", template_code="t", params={}, idempotency_key="k1")
        assert not exc.value.temporary and "BAD_SIGNATURE" in str(exc.value)


@pytest.mark.django_db
class TestPages:
    def test_send_log_search_scope_and_resend(self, client, send):
        nanning = make_staff("450100", ["notify.view_smsmessage", "notify.resend_smsmessage"])
        liuzhou = make_staff("450200", ["notify.view_smsmessage"])
        from kernel.org.models import Region

        control = SimulatorControl.get()
        control.fail_next, control.fail_status = 1, 400
        control.save()
        send(PHONE, "todo_assigned", {"title": "南宁的短信", "due": "y"}, region=Region.objects.get(code="450103"))
        client.force_login(nanning)
        page = client.get(reverse("gov:sms_list"), {"content": "南宁"}).content.decode()
        assert "南宁的短信" in page and "138****0001" in page and "重新发送" in page
        failed = SmsMessage.objects.get()
        client.post(reverse("gov:sms_resend", args=[failed.pk]))
        assert SmsMessage.objects.count() == 2 and SimulatedSms.objects.count() == 0  # resent after commit in real use
        client.force_login(liuzhou)
        assert "南宁的短信" not in client.get(reverse("gov:sms_list")).content.decode()
        assert client.post(reverse("gov:sms_resend", args=[failed.pk])).status_code == 403

    def test_in_app_messages(self, client):
        user = make_staff("450100")
        services.notify(user, "您有新的预警", body="请处理", url="/gov/")
        client.force_login(user)
        page = client.get(reverse("gov:message_list")).content.decode()
        assert "您有新的预警" in page and "未读" in page
        client.post(reverse("gov:message_list"))
        assert InAppMessage.objects.get().read_at is not None


@pytest.mark.django_db
class TestNotifyMany:
    def test_batches_messages_and_sms_and_delivers_them_after_commit(self, django_capture_on_commit_callbacks):
        people = [make_staff("450100", username=f"many{i}") for i in range(3)]
        people[0].phone, people[1].phone, people[2].phone = PHONE, "13877110002", ""  # the last has no phone
        for p in people:
            p.save(update_fields=["phone"])
        notices = [dict(user=p, title=f"预警{i}", url="/gov/", sms_template="todo_assigned",
                        sms_params={"title": f"预警{i}", "due": "2026-12-01"}, key=f"many:{i}")
                   for i, p in enumerate(people)]
        with django_capture_on_commit_callbacks(execute=True):
            assert services.notify_many(notices) == 2
        assert InAppMessage.objects.count() == 3
        assert sorted(SimulatedSms.objects.values_list("phone", flat=True)) == [PHONE, "13877110002"]
        assert SmsMessage.objects.get(idempotency_key="many:0").content == \
            "【广西政务】您有一条新的待办：预警0，请于2026-12-01前办理。"
        with django_capture_on_commit_callbacks(execute=True):
            assert services.notify_many(notices + notices[:1]) == 0  # the same keys queue nothing again
        assert SmsMessage.objects.count() == 2 and SimulatedSms.objects.count() == 2
        assert InAppMessage.objects.count() == 3  # nor a second message


@pytest.mark.django_db
def test_verification_codes_are_hidden_in_the_send_log_and_its_export(client, send):
    from kernel.core.testing import xlsx_rows

    staff = make_staff("450100", ["notify.view_smsmessage"])
    from kernel.org.models import Region

    qingxiu = Region.objects.get(code="450103")
    send(PHONE, "verify_code", {"code": "482913", "minutes": 5}, region=qingxiu)
    send(PHONE, "todo_assigned", {"title": "编号123456的待办", "due": "y"}, region=qingxiu)
    client.force_login(staff)
    page = client.get(reverse("gov:sms_list")).content.decode()
    assert "482913" not in page and "您的验证码为******" in page
    assert "编号123456的待办" in page  # other messages unchanged
    rows = xlsx_rows(client.get(reverse("gov:sms_list"), {"export": "xlsx"}))
    assert not any("482913" in str(cell) for row in rows for cell in row)
