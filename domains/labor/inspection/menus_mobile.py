"""The mobile entrance's card for inspectors and grid owners: warnings waiting for their disposition.

HomeCard takes one permission: the labour one (labor_inspection.view_labour_warning), which other agencies'
roles do not hold; the count is also 0 without the alert kernel's alerts.view_warning, like the page (403)."""
from kernel.ui.home import HomeCard, register

from .reference import LABOUR_VIEW


def _my_open_warnings(user):
    from .web.mobile import labour_warnings

    if not user.has_perms(LABOUR_VIEW):
        return 0
    return labour_warnings(user).filter(assignee=user, status="assigned").count()


register(HomeCard("待处置预警", "bi-exclamation-triangle", LABOUR_VIEW[-1], _my_open_warnings,
                  "m:labor_m_warnings", entrance="m", order=20))
