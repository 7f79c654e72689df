"""Writing audit rows. Change rows come from model signals (signals.py);
operation rows from log_operation(), called by login, export and import services."""
import datetime
import decimal
import uuid

from django.contrib.contenttypes.models import ContentType

from kernel.core import context

from .models import ACTION_MAX, ChangeLog, OperationLog

SECRET_MARKERS = ("password", "secret", "token", "salt", "api_key", "private_key")
STRIPPED = "******"


def _jsonable(value):
    if isinstance(value, (datetime.datetime, datetime.date, datetime.time)):
        return value.isoformat()
    if isinstance(value, (decimal.Decimal, uuid.UUID)):
        return str(value)
    if isinstance(value, (bytes, memoryview)):
        return "<binary>"
    if hasattr(value, "name") and hasattr(value, "storage"):  # FieldFile
        return value.name or ""
    return value


def snapshot(instance) -> dict:
    """Field values of a record as JSON, secrets stripped, excluded fields left out."""
    exclude = getattr(instance, "audit_exclude", set())
    data = {}
    for field in instance._meta.concrete_fields:
        if field.name in exclude:
            continue
        value = field.value_from_object(instance)
        if any(m in field.name.lower() for m in SECRET_MARKERS):
            value = STRIPPED if value else value
        data[field.name] = _jsonable(value)
    return data


def _actor_fields(user):
    if user is None:
        return {"actor": None, "actor_name": "系统", "organisation_id": None, "region_id": None}
    org_id = getattr(user, "organisation_id", None)
    region_id = None
    if org_id:
        org = getattr(user, "organisation", None)
        region_id = getattr(org, "region_id", None)
    return {
        "actor": user,
        "actor_name": getattr(user, "display_name", None) or user.get_username(),
        "organisation_id": org_id,
        "region_id": region_id,
    }


def record_change(instance, action, before, after):
    ctx = context.current()
    user = context.current_user()
    if action == ChangeLog.Action.UPDATE:
        changed = sorted(k for k in set(before or {}) | set(after or {}) if (before or {}).get(k) != (after or {}).get(k))
        if not changed:
            return None
    else:
        changed = sorted((after or before or {}).keys())
    return ChangeLog.objects.create(
        **_actor_fields(user),
        ip=getattr(ctx, "ip", None),
        request_id=getattr(ctx, "request_id", "") or "",
        content_type=ContentType.objects.get_for_model(type(instance), for_concrete_model=False),
        object_id=str(instance.pk),
        object_repr=str(instance)[:200],
        action=action,
        changed_fields=changed,
        before=before,
        after=after,
    )


def log_operation(action, *, user=None, username="", success=True, entrance="", **detail):
    if len(action) > ACTION_MAX:  # SQLite would store it; PostgreSQL would fail the caller's transaction
        raise ValueError(f"operation code {action!r} is longer than {ACTION_MAX} characters")
    ctx = context.current()
    if user is None:
        user = context.current_user()
    fields = _actor_fields(user)
    fields.pop("actor_name")
    return OperationLog.objects.create(
        **fields,
        username=username or (user.get_username() if user else ""),
        action=action,
        success=success,
        ip=getattr(ctx, "ip", None),
        request_id=getattr(ctx, "request_id", "") or "",
        user_agent=getattr(ctx, "user_agent", "") or "",
        entrance=entrance,
        detail=detail,
    )


def history_for(instance):
    """The change rows of one record, newest first (shown on detail pages)."""
    ct = ContentType.objects.get_for_model(type(instance), for_concrete_model=False)
    return ChangeLog.objects.filter(content_type=ct, object_id=str(instance.pk)).select_related("actor")
