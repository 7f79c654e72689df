"""Agency-entrance menu of the major-hazard closed loop, its home cards and the attachment purpose of
the regulator's own materials (imported by HazardsConfig.ready())."""
from kernel.files.purposes import MB, register_purpose
from kernel.ui.home import HomeCard
from kernel.ui.home import register as register_card
from kernel.ui.menu import MenuItem, registry

# Law-enforcement photos, inspection records and review materials of a hazard, uploaded by regulators.
register_purpose("se_hazard_evidence", "监管执法材料", ["image", "pdf", "word"], 20 * MB,
                 perm="se_hazards.add_supervisionlog", max_files=30)

SECTION = "特种设备"  # the section of the equipment pages (equipment/menus.py)
for order, (label, url_name, perm, icon) in enumerate([
    ("重大事故隐患", "gov:se_hazard_list", "se_hazards.view_majorhazard", "bi-exclamation-octagon"),
    ("隐患提醒单", "gov:se_hazard_reminders", ("se_hazards.view_majorhazard", "se_hazards.dispatch_majorhazard"),
     "bi-bell"),
    ("隐患判定项配置", "gov:se_judgement_list", "se_hazards.view_judgementitem", "bi-list-check"),
]):
    registry.add(MenuItem(SECTION, label, url_name, perm=perm, icon=icon, order=40 + 10 * order))


def _reminders(user):
    from ..models import MajorHazard

    return (MajorHazard.objects.visible_to(user)
            .filter(status="reported", managing_agency_id=user.organisation_id or 0).count())


def _to_review(user):
    from ..models import MajorHazard

    return MajorHazard.objects.visible_to(user).filter(status="feedback").count()


register_card(HomeCard("待派单隐患提醒单", "bi-bell", "se_hazards.dispatch_majorhazard", _reminders,
                       "gov:se_hazard_reminders", order=32))
register_card(HomeCard("待复核重大事故隐患", "bi-clipboard-check", "se_hazards.review_majorhazard", _to_review,
                       "gov:se_hazard_list", order=33))
