"""Roles and SMS templates of the labour-inspection warning and disposition system.

分级、属地: every role is region-tree scoped; a county inspector sees their county, a city its
counties, the region everything. Grid owners (网格员) receive low-level warnings of their grid by
territory (kernel.alerts.Territory, kept in step with Grid.owner) and may register grid warnings."""
from kernel.accounts.reference import load_roles
from kernel.notify.models import SmsTemplate

# The alert-rule category of the wage-arrears warning models (AlertRule.category): labour pages,
# statistics and the mobile disposition show warnings of this category only.
WARNING_CATEGORY = "欠薪预警"
# The labour warning pages, menus and cards need the labour permission on top of the alert kernel's generic one:
# other agencies' roles (special equipment, the government-service centre) hold alerts.view_warning for their own
# warnings, and with it alone would see the wage-arrears pages of their region.
LABOUR_VIEW = ("alerts.view_warning", "labor_inspection.view_labour_warning")
LABOUR_EXPORT = ("alerts.export_warning", "labor_inspection.export_labour_warning")

MONITORING_VIEW = [f"labor_monitoring.view_{m}" for m in (
    "project", "worker", "contract", "attendance", "payroll", "wageaccount", "accountflow", "wagedeposit",
    "depositflow", "guarantee", "guaranteereminder", "differentiatedenterprise")]
MONITORING_EXPORT = ["labor_monitoring.export_project", "labor_monitoring.export_worker",
                     "labor_monitoring.export_wagedeposit", "labor_monitoring.export_guarantee",
                     "labor_monitoring.export_wageaccount", "labor_monitoring.export_differentiatedenterprise"]
MONITORING_IMPORT = ["labor_monitoring.import_project"] + [f"labor_monitoring.{a}_{m}" for a in ("add", "change")
                                                           for m in ("project", "worker", "contract", "wageaccount",
                                                                     "wagedeposit", "guarantee")]
WARNING_VIEW = [*LABOUR_VIEW, *LABOUR_EXPORT, "alerts.view_alertrule"]
CASES = ["labor_inspection.view_complaint", "labor_inspection.add_complaint", "labor_inspection.change_complaint",
         "labor_inspection.accept_complaint", "labor_inspection.close_complaint",
         "labor_inspection.export_complaint"]
GRIDS_VIEW = ["labor_inspection.view_grid", "labor_inspection.export_grid"]
INSPECTOR = (MONITORING_VIEW + MONITORING_EXPORT + MONITORING_IMPORT + WARNING_VIEW + CASES + GRIDS_VIEW + [
    "alerts.review_warning", "alerts.release_warning", "alerts.register_warning",
    "labor_monitoring.add_differentiatedenterprise", "labor_monitoring.change_differentiatedenterprise",
    "labor_monitoring.delete_differentiatedenterprise"])
ROLES = {
    "labor_inspector": ("劳动保障监察员", "region_tree", INSPECTOR,
                        "本辖区欠薪预警审核、处置、解除，投诉举报登记与案件办理"),
    "labor_leader": ("劳动监察领导", "region_tree", INSPECTOR + [
        "alerts.approve_warning", "alerts.assign_warning", "labor_inspection.approve_extension"],
        "一级（红色）预警审批与指挥调度，案件延期审批"),
    "labor_grid_owner": ("网格员", "region_tree", MONITORING_VIEW + [*LABOUR_VIEW, "alerts.register_warning",
                                                                   "labor_inspection.view_grid"],
                         "处置派发到本网格的预警，登记网格预警"),
    "labor_admin": ("劳动监察业务管理员", "region_tree", INSPECTOR + [
        "alerts.change_alertrule", "alerts.scan_alertrule", "labor_monitoring.view_worker_identity",
        # the bulk tables usually arrive by push (桂薪宝, banks); the administrator may import them by Excel
        "labor_monitoring.add_attendance", "labor_monitoring.add_payroll", "labor_monitoring.add_accountflow",
        "labor_monitoring.add_depositflow", "labor_monitoring.change_contract",
        "labor_inspection.add_grid",
        "labor_inspection.change_grid", "labor_inspection.delete_grid"],
        "维护预警模型的条件和阈值、网格"),
}
SMS_TEMPLATES = [
    ("labor_account_warning", "工资专用账户预警告知",
     "{unit}：{subject}触发{level}预警（{rule}），请核查农民工工资专用账户并及时整改，劳动保障监察机构将跟踪处置。"),
    ("labor_case_overdue", "案件督办提醒", "案件{no}（{respondent}）{what}期限为{due}，现已{state}，请督办。"),
]


def load():
    from kernel.alerts.registry import definition

    from .alerts import LABOUR_CODES, ManualClue

    load_roles(ROLES)
    for code in LABOUR_CODES + [ManualClue.code]:  # the rule rows (thresholds to edit) before the first scan
        definition(code).ensure_rule()
    for code, name, text in SMS_TEMPLATES:
        SmsTemplate.objects.get_or_create(code=code, defaults={"name": name, "content": text})
    return f"角色{len(ROLES)}个，短信模板{len(SMS_TEMPLATES)}个"
