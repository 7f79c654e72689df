"""Import specs that the generic import page serves: /gov/exports/import/<key>/.

    register_import("organisations", ORGANISATION_IMPORT, "org.add_organisation",
                    update_permission="org.change_organisation", back=("机构管理", "gov:org_list"))

A domain registers its specs in its AppConfig.ready(); the page checks `permission` (and
`update_permission` before it offers or applies update mode).
"""
from dataclasses import dataclass

from .importing import ImportSpec


@dataclass(frozen=True)
class Registration:
    key: str
    spec: ImportSpec
    permission: str
    update_permission: str | None = None
    back: tuple[str, str] | None = None  # (label, url name) of the list the import feeds

    def may_update(self, user) -> bool:
        if not self.spec.key:
            return False
        return self.update_permission is None or user.has_perm(self.update_permission)


_registry: dict[str, Registration] = {}


def register_import(key: str, spec: ImportSpec, permission: str, *, update_permission: str | None = None,
                    back: tuple[str, str] | None = None) -> Registration:
    if not key.replace("-", "").replace("_", "").isalnum():
        raise ValueError(f"import key {key!r} must be a slug")
    existing = _registry.get(key)
    if existing is not None and existing.spec is not spec:
        raise ValueError(f"import key {key!r} is already registered")
    registration = _registry[key] = Registration(key, spec, permission, update_permission, back)
    return registration


def get_import(key: str) -> Registration | None:
    return _registry.get(key)


def registered() -> dict[str, Registration]:
    return dict(_registry)
