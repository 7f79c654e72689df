"""kernel.core.context.client_ip: behind N trusted proxies the client is the Nth X-Forwarded-For
entry from the right; whatever the client writes further left is ignored."""
import pytest
from django.test import RequestFactory

from kernel.core.context import client_ip


@pytest.mark.parametrize("proxies,forwarded,remote,expected", [
    (0, "1.2.3.4", "10.0.0.1", "10.0.0.1"),                     # no proxy: the header is the client's own words
    (1, "203.0.113.9", "10.0.0.1", "203.0.113.9"),              # nginx appended the real address
    (1, "6.6.6.6, 203.0.113.9", "10.0.0.1", "203.0.113.9"),     # a spoofed entry in front is ignored
    (2, "6.6.6.6, 203.0.113.9, 10.9.9.9", "10.0.0.1", "203.0.113.9"),
    (1, "", "10.0.0.1", "10.0.0.1"),                            # no header: the socket address
    (1, "not-an-ip", "10.0.0.1", "10.0.0.1"),
    (1, "2001:db8::1", "10.0.0.1", "2001:db8::1"),
])
def test_client_ip(settings, proxies, forwarded, remote, expected):
    settings.TRUSTED_PROXIES = proxies
    request = RequestFactory().get("/", REMOTE_ADDR=remote, HTTP_X_FORWARDED_FOR=forwarded)
    assert client_ip(request) == expected
