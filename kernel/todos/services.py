"""Creating, finding and closing to-dos."""
from django.contrib.contenttypes.models import ContentType
from django.db.models import Q
from django.utils import timezone

from .models import Todo


def _ct(obj):
    return ContentType.objects.get_for_model(type(obj), for_concrete_model=False)


def create(obj, title, *, key, url="", assignee=None, role_code="", region=None, due_at=None) -> Todo:
    """A to-do for one person, or for the holders of `role_code` in `region`."""
    if assignee is None and not role_code:
        raise ValueError("a to-do needs an assignee or a role")
    return Todo.objects.create(title=title[:200], url=url, assignee=assignee, role_code=role_code, region=region,
                               content_type=_ct(obj), object_id=str(obj.pk), key=key, due_at=due_at)


def close(obj, *, key=None, by=None, status=Todo.Status.DONE) -> int:
    """Close the open to-dos of a record (optionally only those of one source key)."""
    qs = Todo.objects.filter(content_type=_ct(obj), object_id=str(obj.pk), status=Todo.Status.OPEN)
    if key is not None:
        qs = qs.filter(key=key)
    return qs.update(status=status, done_at=timezone.now(), done_by=by)


def open_for(user):
    """Open to-dos of a user: assigned to them, or to a role they hold in their own region."""
    if not user.is_authenticated:
        return Todo.objects.none()
    cond = Q(assignee=user)
    roles = list(user.roles.filter(enabled=True).values_list("code", flat=True))
    region = user.region
    if roles and region is not None:
        cond |= Q(assignee__isnull=True, role_code__in=roles, region=region)
    return Todo.objects.filter(cond, status=Todo.Status.OPEN).order_by("due_at", "id")


def open_for_object(obj):
    return Todo.objects.filter(content_type=_ct(obj), object_id=str(obj.pk), status=Todo.Status.OPEN)
