"""Inbound endpoints: what a machine client may push to /api/inbound/<endpoint_name>/.

An app registers an endpoint in its AppConfig.ready():

    from kernel.interfaces.registry import register_inbound

    register_inbound("org.enterprise_upsert", handler, EnterpriseUpsertSerializer,
                     ("org.add_organisation", "org.change_organisation"), label="企业登记信息推送")

- serializer_class: a DRF serializer validating the JSON body; its field errors (Chinese) go back to
  the sender with HTTP 400 and the message is marked rejected. The serializer receives
  context={"user": <service user>, "message": <InboundMessage>}.
- handler(message, data, user): does the domain work with the validated data, as the client's
  service user, inside a transaction; returns a small JSON-able dict (the result summary).
  A django/DRF ValidationError means "cannot be applied now" (HTTP 422, status failed, can be
  processed again once the cause is fixed); any other exception is a fault (HTTP 202, status failed).
- permission: a permission name or a tuple of names the service user must hold.
"""
import re
from collections.abc import Callable
from dataclasses import dataclass

from django.core.exceptions import ImproperlyConfigured

NAME_RE = re.compile(r"^[a-z][a-z0-9_]*(\.[a-z][a-z0-9_]*)*$")


@dataclass(frozen=True)
class InboundEndpoint:
    name: str
    handler: Callable
    serializer_class: type
    permissions: tuple
    label: str = ""


_endpoints: dict[str, InboundEndpoint] = {}


def register_inbound(endpoint_name: str, handler: Callable, serializer_class: type, permission, label: str = "") -> InboundEndpoint:
    if not NAME_RE.match(endpoint_name or ""):
        raise ImproperlyConfigured(f"inbound endpoint name {endpoint_name!r} must look like 'app.action_name'")
    perms = (permission,) if isinstance(permission, str) else tuple(permission or ())
    if not perms:
        raise ImproperlyConfigured(f"inbound endpoint {endpoint_name!r} needs a permission")
    endpoint = InboundEndpoint(endpoint_name, handler, serializer_class, perms, label or endpoint_name)
    existing = _endpoints.get(endpoint_name)
    if existing is not None and (existing.handler, existing.serializer_class) != (handler, serializer_class):
        raise ImproperlyConfigured(f"inbound endpoint {endpoint_name!r} is already registered")
    _endpoints[endpoint_name] = endpoint
    return endpoint


def unregister_inbound(endpoint_name: str) -> None:
    _endpoints.pop(endpoint_name, None)


def get_endpoint(endpoint_name: str) -> InboundEndpoint | None:
    return _endpoints.get(endpoint_name)


def endpoints() -> list[InboundEndpoint]:
    return sorted(_endpoints.values(), key=lambda e: e.name)


def endpoint_choices() -> list[tuple[str, str]]:
    return [(e.name, f"{e.label}（{e.name}）") for e in endpoints()]
