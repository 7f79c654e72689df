"""Client secrets at rest: SM4-GCM under a key derived from API_SECRET_KEY / SECRET_KEY."""
import pytest
from django.db import connection

from kernel.audit.models import ChangeLog, OperationLog
from kernel.interfaces import crypto
from kernel.interfaces.models import ApiClient

from .helpers import call, make_client


@pytest.mark.django_db
class TestSecretStorage:
    def test_secret_is_not_stored_in_plain_text(self):
        api_client, secret = make_client()
        with connection.cursor() as cursor:
            cursor.execute("SELECT * FROM interfaces_apiclient WHERE id = %s", [api_client.pk])
            row = " ".join(str(v) for v in cursor.fetchone())
        assert secret not in row
        stored = ApiClient.objects.get(pk=api_client.pk).secret_encrypted
        assert stored.startswith("sm4gcm$") and secret not in stored
        assert ApiClient.objects.get(pk=api_client.pk).current_secret() == secret
        assert len(secret) >= 43  # 32 random bytes

    def test_secret_never_reaches_the_audit_trail(self):
        api_client, secret = make_client()
        change = ChangeLog.objects.get(content_type__model="apiclient", object_id=str(api_client.pk))
        assert change.after["secret_encrypted"] == "******"
        for row in list(ChangeLog.objects.all()) + list(OperationLog.objects.all()):
            assert secret not in str(row.after if hasattr(row, "after") else row.detail)
        assert OperationLog.objects.get(action="api_secret_issue").detail["key_id"] == api_client.key_id

    def test_same_secret_encrypts_differently_and_is_bound_to_its_key_id(self):
        a = crypto.encrypt("s3cret-value", "zwkey1")
        b = crypto.encrypt("s3cret-value", "zwkey1")
        assert a != b and crypto.decrypt(a, "zwkey1") == crypto.decrypt(b, "zwkey1") == "s3cret-value"
        with pytest.raises(crypto.SecretUnavailable):
            crypto.decrypt(a, "zwkey2")  # copied onto another client: refused
        tampered = a[:-4] + ("AAAA" if a[-4:] != "AAAA" else "BBBB")
        with pytest.raises(crypto.SecretUnavailable):
            crypto.decrypt(tampered, "zwkey1")

    def test_master_key_comes_from_api_secret_key_then_secret_key(self, settings):
        settings.API_SECRET_KEY = ""
        token = crypto.encrypt("value", "k")
        settings.SECRET_KEY = "another-secret-key-for-this-test"
        with pytest.raises(crypto.SecretUnavailable):
            crypto.decrypt(token, "k")
        settings.API_SECRET_KEY = "dedicated-api-key"
        token = crypto.encrypt("value", "k")
        settings.SECRET_KEY = "yet-another-secret-key"
        assert crypto.decrypt(token, "k") == "value"  # SECRET_KEY rotation does not matter any more

    def test_unreadable_secret_refuses_the_request_with_a_clear_message(self, client, settings):
        api_client, secret = make_client()
        settings.API_SECRET_KEY = "a-different-master-key"
        response = call(client, api_client, secret, "GET", "/api/interfaces/whoami/")
        assert response.status_code == 401
        assert response.json()["detail"] == "接入密钥暂不可用，请联系平台管理员"
