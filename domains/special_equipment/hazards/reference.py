"""Reference data of the hazard system: roles, SMS templates and the GB 45067—2024 judgement items.

The judgement items paraphrase the criteria of 《特种设备重大事故隐患判定准则》(GB 45067—2024) per
equipment category; they are configuration (判定项配置) that administrators check against the
official text and edit, never code."""
from kernel.accounts.reference import load_roles
from kernel.notify.models import SmsTemplate

from .models import JudgementItem

EQUIPMENT_VIEW = ["se_equipment.view_equipment", "se_equipment.view_inspectionreport"]
REGULATOR_PERMS = EQUIPMENT_VIEW + [
    "se_equipment.add_equipment", "se_equipment.change_equipment", "se_equipment.export_equipment",
    "se_equipment.import_equipment", "se_equipment.export_inspectionreport",
    "se_hazards.view_majorhazard", "se_hazards.add_majorhazard", "se_hazards.change_majorhazard",
    "se_hazards.report_majorhazard", "se_hazards.dispatch_majorhazard", "se_hazards.review_majorhazard",
    "se_hazards.export_majorhazard", "se_hazards.view_judgementitem", "se_hazards.view_supervisionlog",
    "se_hazards.add_supervisionlog", "se_hazards.view_complaint", "se_hazards.change_complaint",
    "se_hazards.view_generalhazard", "alerts.view_warning",
]
ROLES = {
    "se_regulator": ("特种设备监管人员", "region_tree", REGULATOR_PERMS, "本辖区特种设备与隐患监管：派单督办、复核销号"),
    "se_admin": ("特种设备业务管理员", "region_tree", REGULATOR_PERMS + [
        "se_hazards.add_judgementitem", "se_hazards.change_judgementitem"], "维护隐患判定项等业务配置"),
    "se_unit": ("使用单位用户", "organisation", EQUIPMENT_VIEW + [
        "se_hazards.view_majorhazard", "se_hazards.report_majorhazard", "se_hazards.rectify_majorhazard",
        "se_hazards.view_judgementitem", "se_hazards.view_generalhazard", "se_hazards.add_generalhazard",
        "se_hazards.change_generalhazard", "se_hazards.view_checkplan", "se_hazards.add_checkplan",
        "se_hazards.change_checkplan"], "本单位设备、重大事故隐患整改和一般隐患排查治理"),
    "se_unit_safety": ("安全管理员", "organisation", [], "接收本单位隐患待办和短信"),
    "se_institution": ("检验检测机构用户", "organisation", EQUIPMENT_VIEW + [
        "se_equipment.add_inspectionreport", "se_hazards.view_majorhazard", "se_hazards.report_majorhazard",
        "se_hazards.check_majorhazard", "se_hazards.view_judgementitem"], "上报检验报告和重大事故隐患，逐项复核整改"),
}

SMS_TEMPLATES = [
    ("se_hazard_reported", "重大事故隐患告知", "{unit}：{reporter}报告贵单位存在重大事故隐患（编号{no}），请登录特种设备企业服务平台查看。"),
    ("se_hazard_dispatched", "隐患整改通知", "{unit}：贵单位重大事故隐患（编号{no}）已下达{directive}，请于{deadline}前完成整改并反馈。"),
    ("se_hazard_deadline", "隐患整改期限预警", "{unit}：重大事故隐患（编号{no}）整改期限为{deadline}，现为{level}预警，请尽快整改并反馈。"),
    ("se_hazard_extension", "延期整改审批结果", "{unit}：重大事故隐患（编号{no}）延期整改申请审批结果：{result}，整改期限{deadline}。"),
    ("se_hazard_fed_back", "隐患整改反馈待复核", "{unit}已提交重大事故隐患（编号{no}）的整改反馈，请及时复核。"),
    ("se_hazard_returned", "隐患整改退回", "{unit}：重大事故隐患（编号{no}）部分整改项复核未通过，已退回，请继续整改。"),
    ("se_hazard_closed", "隐患复核销号", "{unit}：重大事故隐患（编号{no}）已复核销号。"),
    ("se_complaint_result", "投诉举报处理结果", "您反映的特种设备安全问题（受理编号{no}）已处理：{result}。感谢您的监督。"),
]

# (code, equipment category, hazard category, parent category, criterion, recommended measures)
GENERAL = "通用要求"
JUDGEMENT_ITEMS = [
    ("T-01", "", "使用管理", GENERAL, "使用非法生产（未取得许可生产、国家明令淘汰、已经报废）的特种设备", "立即停止使用，依法处置并办理相关手续"),
    ("T-02", "", "使用管理", GENERAL, "超过特种设备规定参数范围使用", "立即停止超参数运行，按设计参数使用"),
    ("T-03", "", "安全附件与保护装置", GENERAL, "缺少安全附件、安全装置，或者安全附件、安全装置失灵仍继续使用", "停止使用，配齐或修复安全附件、安全装置并经校验合格"),
    ("T-04", "", "检验检测", GENERAL, "使用检验结论为不合格（不符合要求）的特种设备", "停止使用，整改后申请复检，复检合格方可使用"),
    ("T-05", "", "检验检测", GENERAL, "未按规定申报定期检验或超过检验有效期仍继续使用", "停止使用，立即申报检验"),
    ("T-06", "", "使用管理", GENERAL, "发生事故或有明显故障，未全面检查、消除隐患即继续使用", "停止使用，全面检查并消除隐患"),
    ("T-07", "", "使用管理", GENERAL, "达到报废条件或超过设计使用年限未办理延续使用手续仍继续使用", "停止使用，依法报废或进行安全评估"),
    ("T-08", "", "人员管理", GENERAL, "特种设备作业人员未取得相应资格即上岗作业", "停止无证作业，安排持证人员作业"),
    ("GL-01", "1000", "本体缺陷", "锅炉", "锅炉严重缺水或严重满水仍继续运行", "立即停炉，查明原因并检验合格后运行"),
    ("GL-02", "1000", "安全附件与保护装置", "锅炉", "锅炉安全阀、水位表、压力表失效或缺失", "停炉更换校验合格的安全附件"),
    ("GL-03", "1000", "本体缺陷", "锅炉", "受压元件存在严重变形、裂纹、泄漏等缺陷", "停炉修理，经检验合格后使用"),
    ("RQ-01", "2000", "安全附件与保护装置", "压力容器", "压力容器安全阀、爆破片等安全泄放装置失效或被隔断", "停用，恢复安全泄放装置并校验"),
    ("RQ-02", "2000", "本体缺陷", "压力容器", "压力容器主要受压元件存在裂纹、严重腐蚀、变形、泄漏", "停用修理，经检验合格后使用"),
    ("RQ-03", "2000", "使用管理", "压力容器", "快开门式压力容器安全联锁装置失效", "停用，修复联锁装置"),
    ("GD-01", "8000", "本体缺陷", "压力管道", "压力管道存在严重腐蚀、泄漏、开裂，或者支吊架严重损坏", "停用或降压运行，修理后检验"),
    ("GD-02", "8000", "检验检测", "压力管道", "压力管道定期检验结论为不允许使用仍继续使用", "停止使用，整改后复检"),
    ("DT-01", "3000", "安全附件与保护装置", "电梯", "电梯限速器、安全钳、上行超速保护或意外移动保护装置失效", "立即停梯，修复保护装置并自行检测"),
    ("DT-02", "3000", "安全附件与保护装置", "电梯", "电梯层门、轿门门锁电气安全装置失效或被短接", "立即停梯，恢复门锁装置"),
    ("DT-03", "3000", "本体缺陷", "电梯", "电梯曳引钢丝绳断股、严重磨损或制动器失效", "停梯更换或修复"),
    ("DT-04", "3000", "使用管理", "电梯", "电梯未按规定进行维护保养", "与有资质的维保单位签订合同并按期维保"),
    ("QZ-01", "4000", "安全附件与保护装置", "起重机械", "起重量限制器、起升高度限位器等安全保护装置失效", "停止使用，修复安全保护装置"),
    ("QZ-02", "4000", "本体缺陷", "起重机械", "主要受力结构件存在严重变形、裂纹，或钢丝绳达到报废标准", "停止使用，修理或更换"),
    ("SD-01", "9000", "安全附件与保护装置", "客运索道", "客运索道安全保护装置或紧急救援设施失效", "停止运营，修复后经检验合格再运营"),
    ("YL-01", "6000", "安全附件与保护装置", "大型游乐设施", "乘客束缚装置、锁紧装置失效", "停止运营，修复束缚装置"),
    ("YL-02", "6000", "本体缺陷", "大型游乐设施", "主要受力部件存在裂纹、严重磨损或焊缝开裂", "停止运营，修理后检验"),
    ("CC-01", "5000", "安全附件与保护装置", "场（厂）内专用机动车辆", "制动、转向装置失效或安全保护装置缺失", "停止使用，修复后检验"),
]


def load():
    load_roles(ROLES)
    for code, name, content in SMS_TEMPLATES:
        SmsTemplate.objects.get_or_create(code=code, defaults={"name": name, "content": content})
    for order, (code, category, hazard_category, parent, text, measures) in enumerate(JUDGEMENT_ITEMS):
        JudgementItem.objects.get_or_create(code=code, defaults={
            "equipment_category": category, "category": hazard_category, "parent_category": parent,
            "text": text, "measures": measures, "order": order})
    return f"角色{len(ROLES)}个，短信模板{len(SMS_TEMPLATES)}个，判定项{JudgementItem.objects.count()}条"
