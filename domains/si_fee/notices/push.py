"""The pop-up of notices on the service home (/m/si/) and other H5 pages: "qualifying users automatically
receive notices when they log in or open a function" (seed 003 §2.5.1).

The home view adds `push_context(request, payer)` to its context and includes its "push_template"
("si_notice/_push.html").
A page view counts as the login when it is the first in this session (the session key changes at every
login); later pages of the same session only show notices that became due since and were not shown yet.
"""
from .services import due_notices

SESSION_KEY = "si_notice_push"
PUSH_TEMPLATE = "si_notice/_push.html"


def push_context(request, payer, *, today=None) -> dict:
    """{"si_push_notices": [Notice...], "push_template": the pop-up's template} to show now (an empty list
    renders nothing); remembers in the session what it showed."""
    if payer is None:
        return {"si_push_notices": [], "push_template": PUSH_TEMPLATE}
    session = request.session
    if session.session_key is None:
        session.save()
    state = session.get(SESSION_KEY) or {}
    on_login = state.get("key") != session.session_key
    shown = set() if on_login else set(state.get("shown", []))
    notices = [n for n in due_notices(payer, on_login=on_login, today=today) if n.pk not in shown]
    session[SESSION_KEY] = {"key": session.session_key, "shown": sorted(shown | {n.pk for n in notices})}
    return {"si_push_notices": notices, "push_template": PUSH_TEMPLATE}
