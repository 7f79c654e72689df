"""Jurisdiction scope: the one function that limits what a user may see.

Every queryset shown to a person (page, API, export, count) goes through
`restrict(queryset, user)` — usually as `Model.objects.visible_to(user)`.

How a model is limited is declared on it as `scope_fields`:
    region:        path to a Region foreign key  (agency staff: their region's subtree)
    organisation:  path to an Organisation key, or a tuple of paths (any match) (enterprise /
                   institution users: their own)
    owner:         path to a User key            (citizens: their own records)
A user's roles give data scopes (RuoYi's five, as Role.DataScope); the union applies.
A model that lacks the field a scope needs yields nothing: the rule fails closed.
A model with `scope_personal = True` (in-app messages) shows each user their own rows only,
whatever their role.
"""
from django.db.models import Q

from kernel.core.cache import versioned

from .models import Region

STAFF_DEFAULT = "region_tree"
# Tables whose change can alter a user's permissions or data scopes.
AUTHZ_TABLES = ("accounts_role", "accounts_role_permissions", "accounts_user_roles",
                "accounts_role_custom_regions", "accounts_user_user_permissions", "auth_permission")


def subtree_ids(path: str) -> list[int]:
    """Ids of a region and everything below it; cached until the region table changes.

    Scoped queries filter `region_id IN (<ids>)` with literal ids: the planner then
    estimates row counts per region and can use index-only scans.
    """
    return versioned(f"region:subtree:{path}", ["org_region"], lambda: tuple(
        Region.objects.filter(path__startswith=path).values_list("pk", flat=True)))


def _regions() -> dict:
    """{id: (path, name, level)} of all regions; cached until the region table changes."""
    return versioned("region:all", ["org_region"], lambda: {
        pk: (path, name, level)
        for pk, path, name, level in Region.objects.order_by("path").values_list("pk", "path", "name", "level")})


def region_path(pk: int) -> str | None:
    entry = _regions().get(pk)
    return entry[0] if entry else None


def region_choices(user, max_level) -> list[tuple[str, str]]:
    """(id, indented name) of the regions a user may pick, down to max_level, in tree order."""
    if user is None or not user.is_authenticated:
        return []
    root = "" if (user.is_superuser or "all" in user_scopes(user)[0]) else (user.region.path if user.region else None)
    if root is None:
        return []
    return [(str(pk), "　" * (level - 1) + name) for pk, (path, name, level) in _regions().items()
            if level <= max_level and path.startswith(root)]


def in_region_subtree(qs, region_id, field="region"):
    """The rows whose `field` is this region (a pk, also as text from a filter form) or below it;
    none for an unknown region. Region filters of list pages use it."""
    path = region_path(int(region_id)) if str(region_id).isdigit() else None
    return qs.filter(**{f"{field}__int_in": subtree_ids(path)}) if path else qs.none()


def _region_q(field, path, exact=False):
    if exact:
        return Q(**{f"{field}__in": Region.objects.filter(path=path).values("pk")})
    return Q(**{f"{field}__int_in": subtree_ids(path)})


def _custom_q(field, paths):
    if not paths:
        return None
    ids = set()
    for p in paths:
        ids.update(subtree_ids(p))
    return Q(**{f"{field}__int_in": sorted(ids)})


def _org_q(org_f, org_id):
    """`organisation` may name several paths (a hazard belongs to its user unit and to the institution
    that reported it): an organisation sees a row when any of them is its own."""
    paths = (org_f,) if isinstance(org_f, str) else tuple(org_f)
    q = Q(**{paths[0]: org_id})
    for path in paths[1:]:
        q |= Q(**{path: org_id})
    return q


def user_scopes(user):
    """The data scopes of a user's enabled roles (and custom region paths).

    Kept on the user object for the request and in the shared cache until a role,
    a role assignment or a custom region list changes."""
    cached = getattr(user, "_zw_scopes", None)
    if cached is None:
        def load():
            roles = list(user.roles.filter(enabled=True).values_list("pk", "data_scope"))
            scopes = frozenset(s for _, s in roles)
            custom_paths = ()
            if "custom" in scopes:
                custom_paths = tuple(Region.objects.filter(
                    role__in=[pk for pk, s in roles if s == "custom"]).values_list("path", flat=True))
            return scopes, custom_paths

        cached = user._zw_scopes = versioned(f"authz:scopes:{user.pk}", AUTHZ_TABLES, load)
    return cached


def scope_q(model, user):
    """A Q limiting `model` to what `user` may see, or None for everything."""
    if user is None or not getattr(user, "is_authenticated", False) or not user.is_active:
        return Q(pk__in=[])
    fields = getattr(model, "scope_fields", {})
    if getattr(model, "scope_personal", False):  # a person's own items (messages): theirs only, for everyone
        return Q(**{fields["owner"]: user.pk})
    if user.is_superuser:
        return None
    region_f, org_f, owner_f = fields.get("region"), fields.get("organisation"), fields.get("owner")
    kind = getattr(user, "kind", "staff")

    if kind == "citizen":
        return Q(**{owner_f: user.pk}) if owner_f else Q(pk__in=[])
    if kind in ("enterprise", "institution"):
        if org_f and user.organisation_id:
            return _org_q(org_f, user.organisation_id)
        return Q(pk__in=[])

    scopes, custom_paths = user_scopes(user)
    if not scopes:
        scopes = {STAFF_DEFAULT}
    if "all" in scopes:
        return None
    region = user.region
    parts = []
    for scope in scopes:
        if scope in ("region_tree", "region") and region_f and region is not None:
            parts.append(_region_q(region_f, region.path, exact=(scope == "region")))
        elif scope == "custom" and region_f:
            q = _custom_q(region_f, custom_paths)
            if q is not None:
                parts.append(q)
        elif scope == "organisation" and org_f and user.organisation_id:
            parts.append(_org_q(org_f, user.organisation_id))
        elif scope == "self" and owner_f:
            parts.append(Q(**{owner_f: user.pk}))
    if not parts:
        return Q(pk__in=[])
    combined = parts[0]
    for q in parts[1:]:
        combined |= q
    return combined


def restrict(queryset, user, action="view"):
    q = scope_q(queryset.model, user)
    return queryset if q is None else queryset.filter(q)


def can_see(user, instance) -> bool:
    return restrict(type(instance)._default_manager.filter(pk=instance.pk), user).exists()
