"""Enterprise-entrance menu of the hazard system, its home cards and the attachment purpose of
rectification evidence (imported by HazardsConfig.ready())."""
from django.db.models import Q

from kernel.files.purposes import MB, register_purpose
from kernel.ui.home import HomeCard
from kernel.ui.home import register as register_card
from kernel.ui.menu import MenuItem, registry

# Photos, scans and reports of a rectification (major hazards' feedback, general hazards' handling),
# uploaded by the user unit's people only (not by the institution or the regulator who review them).
register_purpose("se_rectification", "整改材料", ["image", "pdf", "word"], 20 * MB,
                 perm="se_hazards.rectify_majorhazard", max_files=20)

SECTION = "隐患管理"
registry.section(SECTION, 30, "bi-exclamation-triangle")
for order, (label, url_name, perm, icon) in enumerate([
    ("重大事故隐患", "ent:se_hazard_list", "se_hazards.view_majorhazard", "bi-exclamation-octagon"),
    ("一般隐患", "ent:se_general_list", "se_hazards.view_generalhazard", "bi-exclamation-circle"),
    ("隐患排查计划", "ent:se_plan_list", "se_hazards.view_checkplan", "bi-calendar-check"),
]):
    registry.add(MenuItem(SECTION, label, url_name, perm=perm, icon=icon, entrance="ent", order=300 + order))


def _to_rectify(user):
    from ..models import MajorHazard

    return MajorHazard.objects.visible_to(user).filter(user_unit_id=user.organisation_id,
                                                       status__in=("rectifying", "extension")).count()


def _to_review(user):
    from ..models import MajorHazard

    return MajorHazard.objects.visible_to(user).filter(reporter_org_id=user.organisation_id, status="feedback").count()


def _general_open(user):
    from ..models import GeneralHazard

    return GeneralHazard.objects.visible_to(user).filter(
        Q(status="rectifying", responsible=user) | Q(status="accepting", investigator=user)).count()


register_card(HomeCard("待整改重大事故隐患", "bi-exclamation-octagon", "se_hazards.rectify_majorhazard", _to_rectify,
                       "ent:se_hazard_list", entrance="ent", order=30))
register_card(HomeCard("待复核重大事故隐患", "bi-clipboard-check", "se_hazards.check_majorhazard", _to_review,
                       "ent:se_hazard_list", entrance="ent", order=31))
register_card(HomeCard("待我处理的一般隐患", "bi-exclamation-circle", "se_hazards.view_generalhazard", _general_open,
                       "ent:se_general_list", entrance="ent", order=32))
