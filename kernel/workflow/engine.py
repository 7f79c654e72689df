"""Declarative state machines with a persisted transition log.

A model declares its machine and inherits WorkflowModel:

    class Hazard(WorkflowModel, BusinessModel):
        status = models.CharField(max_length=20, default="draft")
        workflow = Workflow("hazard", states=[State("draft", "草稿"), ...], transitions=[
            Transition("dispatch", "派单", sources=["reported"], target="dispatched",
                       perm="hazards.dispatch_hazard", requires=["comment"],
                       guards=[has_notice], effects=[notify_unit]),
        ])

`workflow.apply(obj, "dispatch", user, comment=...)` checks, in order: the transition exists and
leaves the current state, the user may see the record (jurisdiction scope), holds the permission
or one of the roles, is not blocked as the record's creator or the previous actor, supplied the
required fields, and every guard passes. It then saves the new state and writes the log row in
one transaction; effects (to-dos, notifications, webhooks) run only after the commit.
A plain save() that changes the state field is rejected (kernel.workflow.guard).

Written here rather than taken from django-fsm-2 / django-viewflow: both express transitions as
decorated methods, while the platform needs the machine as data (listable for buttons, bulk
actions and to-dos), with roles, required fields, self-approval blocks, an insert-only log and
after-commit effects, all of which would have had to be wrapped around them anyway.
"""
from __future__ import annotations

from collections.abc import Callable, Iterable
from dataclasses import dataclass, field

from django.contrib.contenttypes.models import ContentType
from django.db import models, transaction

REQUIRED_LABELS = {"comment": "处理意见", "attachments": "附件"}


class TransitionError(Exception):
    """A refused transition; `errors` maps a field (or "__all__") to Chinese messages."""

    def __init__(self, errors: dict[str, list[str]] | str):
        if isinstance(errors, str):
            errors = {"__all__": [errors]}
        self.errors = errors
        super().__init__("；".join(m for msgs in errors.values() for m in msgs))


@dataclass(frozen=True)
class StateTask:
    """Work that waits while a record is in a state: becomes a to-do on entry, closed on exit."""

    title: str  # formatted with the record: "审核申请：{obj}"
    assignee: Callable | None = None  # record -> user, or None to use the role
    role: str = ""  # role code: whoever holds it in region(record)
    region: Callable | None = None  # record -> Region
    due_working_days: int | None = None
    url: Callable | None = None  # record -> link to the page where the work is done
    due: Callable | None = None  # record -> date the work is due (e.g. a rectification deadline); wins over days


@dataclass(frozen=True)
class State:
    code: str
    label: str
    colour: str = "secondary"  # a Bootstrap colour name or a CSS colour
    final: bool = False
    task: StateTask | None = None


# Called inside the transition's transaction as hook(record, workflow, transition, source, log);
# kernel.todos registers the one that opens and closes to-dos.
TRANSITION_HOOKS: list[Callable] = []


@dataclass(frozen=True)
class Transition:
    name: str
    label: str
    sources: tuple[str, ...] | list[str]
    target: str
    perm: str | None = None
    roles: tuple[str, ...] = ()  # role codes, any one suffices (with perm: both must hold)
    requires: tuple[str, ...] | list[str] = ()  # "comment", "attachments"
    guards: tuple[Callable, ...] | list[Callable] = ()  # guard(obj, user, params) -> error message or None
    not_by: tuple[str, ...] = ()  # "creator": the record's creator may not; "previous": nor the last actor
    prepare: tuple[Callable, ...] | list[Callable] = ()  # prepare(obj, user, params): set fields before the save
    effects: tuple[Callable, ...] | list[Callable] = ()  # effect(obj, log) run after commit
    style: str = "primary"  # button colour

    def leaves(self, state: str) -> bool:
        return "*" in self.sources or state in self.sources


@dataclass
class Workflow:
    name: str
    states: list[State]
    transitions: list[Transition]
    state_field: str = "status"
    initial: str | None = None
    _states: dict = field(init=False, repr=False)
    _transitions: dict = field(init=False, repr=False)

    def __post_init__(self):
        self._states = {s.code: s for s in self.states}
        self._transitions = {t.name: t for t in self.transitions}
        if self.initial is None:
            self.initial = self.states[0].code
        for t in self.transitions:
            unknown = [s for s in (*t.sources, t.target) if s != "*" and s not in self._states]
            if unknown:
                raise ValueError(f"workflow {self.name}: transition {t.name} names unknown states {unknown}")
            bad = [r for r in t.requires if r not in REQUIRED_LABELS]
            if bad:
                raise ValueError(f"workflow {self.name}: transition {t.name} requires unknown fields {bad}")

    # -- reading -----------------------------------------------------------------
    def state(self, code: str) -> State:
        return self._states[code]

    def transition(self, name: str) -> Transition:
        return self._transitions[name]

    def choices(self):
        return [(s.code, s.label) for s in self.states]

    def current(self, obj) -> State:
        return self._states[getattr(obj, self.state_field)]

    def available(self, obj, user) -> list[Transition]:
        """Transitions the user could take now (without the per-call required fields)."""
        out = []
        for t in self.transitions:
            try:
                self._check(obj, t, user, params=None)
            except TransitionError:
                continue
            out.append(t)
        return out

    # -- checking ----------------------------------------------------------------
    def _check(self, obj, t: Transition, user, params):
        state = getattr(obj, self.state_field)
        if not t.leaves(state):
            raise TransitionError(f"当前状态为“{self.state(state).label}”，不能执行“{t.label}”")
        if user is None or not user.is_authenticated or not user.is_active:
            raise TransitionError("请先登录")
        from kernel.org.scope import restrict

        if not restrict(type(obj)._default_manager.filter(pk=obj.pk), user).exists():
            raise TransitionError("该记录不在您的管辖范围内")
        if t.perm and not user.has_perm(t.perm):
            raise TransitionError(f"您没有“{t.label}”的权限")
        if t.roles and not user.is_superuser:
            codes = set(user.roles.filter(enabled=True).values_list("code", flat=True))
            if not codes & set(t.roles):
                raise TransitionError(f"“{t.label}”只能由指定角色办理")
        if "creator" in t.not_by and getattr(obj, "created_by_id", None) == user.pk:
            raise TransitionError(f"不能“{t.label}”自己提交的记录")
        if "previous" in t.not_by:
            last = history(obj).order_by("-time", "-id").first()
            if last is not None and last.actor_id == user.pk:
                raise TransitionError(f"上一环节由您办理，不能由同一人“{t.label}”")
        if params is not None:
            errors = {}
            for name in t.requires:
                if not params.get(name):
                    errors.setdefault(name, []).append(f"请填写{REQUIRED_LABELS[name]}")
            if errors:
                raise TransitionError(errors)
        for guard in t.guards:
            message = guard(obj, user, params or {})
            if message:
                raise TransitionError(message)

    def check(self, obj, name: str, user, *, comment: str = "", attachments: Iterable = (), data: dict | None = None):
        """Raise TransitionError unless `user` may take transition `name` now (what apply() checks first):
        for a service that must decide before it does work of its own (e.g. store files for the step)."""
        self._check(obj, self.transition(name), user,
                    {"comment": (comment or "").strip(), "attachments": list(attachments), "data": data or {}})

    # -- acting ------------------------------------------------------------------
    def apply(self, obj, name: str, user, *, comment: str = "", attachments: Iterable = (), data: dict | None = None,
              system: bool = False):
        """Take a transition; returns the log row or raises TransitionError (nothing changed).

        system=True is for the platform's own automatic steps (user None, logged as 系统): only the
        source state is checked, not the person's permission, role or scope."""
        if name not in self._transitions:
            raise TransitionError(f"没有名为“{name}”的操作")
        t = self._transitions[name]
        params = {"comment": (comment or "").strip(), "attachments": list(attachments), "data": data or {}}
        with transaction.atomic():
            locked = type(obj)._base_manager.select_for_update().get(pk=obj.pk)
            setattr(obj, self.state_field, getattr(locked, self.state_field))  # decide on the stored state
            if system:
                if not t.leaves(getattr(obj, self.state_field)):
                    raise TransitionError(f"当前状态为“{self.current(obj).label}”，不能执行“{t.label}”")
            else:
                self._check(obj, t, user, params)
            source = getattr(obj, self.state_field)
            for prepare in t.prepare:
                prepare(obj, user, params)
            setattr(obj, self.state_field, t.target)
            obj._workflow_in_transition = True
            try:
                obj.save()
            finally:
                obj._workflow_in_transition = False
            log = _log(obj, self, t, source, user, params)
            for hook in TRANSITION_HOOKS:
                hook(obj, self, t, source, log)
            for effect in t.effects:
                transaction.on_commit(lambda effect=effect: effect(obj, log))
        return log

    def bulk_apply(self, objs, name: str, user, **kwargs) -> list[tuple[object, bool, str]]:
        """The same transition on many records, each checked and saved on its own:
        [(record, ok, message)], where a refusal of one does not undo the others."""
        results = []
        for obj in objs:
            try:
                self.apply(obj, name, user, **kwargs)
            except TransitionError as exc:
                results.append((obj, False, str(exc)))
            else:
                results.append((obj, True, "成功"))
        return results


def _log(obj, wf: Workflow, t: Transition, source: str, user, params):
    from .models import TransitionLog

    org = getattr(user, "organisation", None)
    return TransitionLog.objects.create(
        content_type=ContentType.objects.get_for_model(type(obj), for_concrete_model=False),
        object_id=str(obj.pk), workflow=wf.name, transition=t.name, transition_label=t.label,
        from_state=source, to_state=t.target, actor=user,
        actor_name=getattr(user, "display_name", None) or ("系统" if user is None else str(user)),
        organisation=org, region_id=getattr(org, "region_id", None),
        comment=params["comment"], attachments=params["attachments"], data=params["data"],
    )


def history(obj):
    from .models import TransitionLog

    ct = ContentType.objects.get_for_model(type(obj), for_concrete_model=False)
    return TransitionLog.objects.filter(content_type=ct, object_id=str(obj.pk)).select_related("actor")


class WorkflowModel(models.Model):
    """Mixin for models with a `workflow`: new records start in an allowed state, and the
    state field changes only through Workflow.apply()."""

    workflow: Workflow = None
    initial_states: tuple[str, ...] = ()  # besides workflow.initial, states a record may be created in
    # False: transitions only through the domain's services and pages (they do work of their own, e.g.
    # close a supervision to-do or store a reason), never through the generic /gov/workflow/ endpoint
    generic_transitions = True

    class Meta:
        abstract = True

    @classmethod
    def from_db(cls, db, field_names, values):
        obj = super().from_db(db, field_names, values)
        obj._workflow_loaded_state = getattr(obj, cls.workflow.state_field, None)
        return obj

    def workflow_history(self):
        return history(self)

    def workflow_state(self) -> State:
        return self.workflow.current(self)

