"""Menu entries and home cards of the applicant's side (imported by CitizenConfig.ready())."""
from kernel.ui.home import HomeCard
from kernel.ui.home import register as register_card
from kernel.ui.menu import MenuItem, registry

SECTION = "一窗受理"
registry.add(MenuItem(SECTION, "咨询投诉答复", "gov:gs_citizen_consultations", perm="gs_citizen.view_consultation",
                      icon="bi-chat-dots", order=40))
registry.add(MenuItem(SECTION, "证照送达", "gov:gs_citizen_deliveries", perm="gs_citizen.view_delivery",
                      icon="bi-truck", order=52))
registry.add(MenuItem(SECTION, "差评整改", "gov:gs_citizen_rectifications", perm="gs_citizen.view_rectification",
                      icon="bi-hand-thumbs-down", order=41))
registry.add(MenuItem(SECTION, "好差评统计", "gov:gs_citizen_evaluation_stats", perm="gs_citizen.view_evaluation",
                      icon="bi-bar-chart", order=42))


def _my_proofs(user):
    from .models import Proof

    return Proof.objects.visible_to(user).filter(owner=user).count()


def _my_open_cases(user):
    from domains.gov_services.one_window.models import Case
    from domains.gov_services.one_window.workflows import OPEN_STATES

    return Case.objects.visible_to(user).filter(applicant_user=user, status__in=OPEN_STATES).count()


register_card(HomeCard("个人中心·在办件", "bi-person-badge", "", _my_open_cases, "m:gs_citizen_centre", entrance="m",
                       order=31))
register_card(HomeCard("我的证明", "bi-qr-code", "", _my_proofs, "m:gs_citizen_proofs", entrance="m", order=32))
