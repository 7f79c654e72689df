"""Business operations of the one-window system: the only place that changes its records' state.
(Each part adds its operations here in a section of its own.)"""
from kernel.calendar.services import add_working_days


def set_due_dates(case):
    """承诺办结日期 and 法定办结日期: the matter's limits in working days from the acceptance day."""
    start = (case.accepted_at.date() if case.accepted_at else None)
    if start is None:
        return
    case.promised_due = add_working_days(start, case.matter.promised_days)
    case.statutory_due = add_working_days(start, case.matter.statutory_days)
