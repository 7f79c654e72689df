"""Helpers of the interfaces tests: clients with a role, and signed requests."""
import json

from kernel.core.testing import make_agency, make_role
from kernel.interfaces import services
from kernel.interfaces.client import HMAC_SM3, sign_request

PUSH_PERMS = ["org.view_region", "org.view_organisation", "org.add_organisation", "org.change_organisation"]


def make_client(org=None, perms=PUSH_PERMS, algorithm=HMAC_SM3, **kw):
    """(ApiClient, secret) for an organisation (default: an agency of Nanning) with one role."""
    org = org or make_agency("450100")
    return services.create_client(name=kw.pop("name", f"{org.name}业务系统"), organisation=org,
                                  roles=[make_role(perms)], algorithm=algorithm, **kw)


def call(django_client, api_client, secret, method, path, query="", body=b"", *, headers=None, sign_path=None,
         sign_query=None, sign_body=None, algorithm=None, **sign_kw):
    """Send a signed request. sign_* sign something other than what is sent (tampering)."""
    if isinstance(body, (dict, list)):
        body = json.dumps(body, ensure_ascii=False).encode()
    signature_headers = sign_request(
        method, path if sign_path is None else sign_path, query if sign_query is None else sign_query,
        body if sign_body is None else sign_body, api_client.key_id, secret,
        algorithm or api_client.algorithm, **sign_kw)
    url = path + (f"?{query}" if query else "")
    return django_client.generic(method, url, data=body, content_type="application/json",
                                 headers={**signature_headers, **(headers or {})})
