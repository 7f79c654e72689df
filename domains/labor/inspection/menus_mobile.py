"""The mobile entrance's card for inspectors and grid owners: warnings waiting for their disposition."""
from kernel.ui.home import HomeCard, register


def _my_open_warnings(user):
    from .web.mobile import labour_warnings

    return labour_warnings(user).filter(assignee=user, status="assigned").count()


register(HomeCard("待处置预警", "bi-exclamation-triangle", "alerts.view_warning", _my_open_warnings,
                  "m:labor_m_warnings", entrance="m", order=20))
