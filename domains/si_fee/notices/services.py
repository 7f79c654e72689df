"""Business operations of the public service (seed 003 §2.5): the only place that changes notices, their
push list, read state and the manual. Views call these; every write leaves an audit row (BusinessModel
saves are audited, the workflow logs each transition, the push list and downloads write operation rows).

Who sees a notice:
* staff: `Notice.objects.visible_to(user)` (the notice's region in their jurisdiction; another city: 404);
* a payer: `notices_for(payer)`: published, valid today, issued for a region the payer lives in (their
  county, city or the autonomous region), and addressed to them: everyone (optionally one person type or
  one prefecture) or the payer is on the push list.
"""
from __future__ import annotations

import re

from django.core.exceptions import ValidationError
from django.db import IntegrityError, transaction
from django.db.models import Exists, OuterRef, Q
from django.http import Http404
from django.utils import timezone

from kernel.audit.services import log_operation
from kernel.files.purposes import MB, register_purpose
from kernel.org.validators import mask_id_number, validate_id_number
from kernel.workflow.engine import TransitionError

from .models import Audience, ManualVersion, Notice, NoticeRead, NoticeTarget, PushFrequency

ATTACHMENT_PURPOSE = "si_notice_attachment"
register_purpose(ATTACHMENT_PURPOSE, "通知公告附件", ["pdf", "word", "excel", "image"], 10 * MB, max_files=10)

MAX_TARGETS = 20000

# The four sorts of the payer's list (seed 003 §2.5.1): time, 发文字号, level, category.
SORTS = {
    "time": ("按时间", ["-published_at", "-id"]),
    "docno": ("按发文字号", ["document_no", "-published_at", "-id"]),
    "level": ("按分级", ["level", "-published_at", "-id"]),
    "category": ("按分类", ["category", "-published_at", "-id"]),
}


def _today(today=None):
    return today or timezone.localdate()


# == back office: drafts, push list, publish, withdraw ===========================================
EDITABLE = ("title", "document_no", "level", "category", "issuer", "content", "region", "valid_from",
            "valid_until", "push_frequency", "audience", "audience_person_type", "audience_prefecture")


def save_draft(user, data: dict, notice: Notice | None = None, attachment=None) -> Notice:
    """Create a draft (notice None) or change one; `attachment` (already checked by the form) is stored with
    it in the same transaction, so a refused file leaves nothing behind."""
    from kernel.files.services import store

    if notice is not None and notice.status != Notice.Status.DRAFT:
        raise ValidationError("只有草稿可以修改")
    with transaction.atomic():
        notice = notice or Notice()
        for name in EDITABLE:
            if name in data:
                setattr(notice, name, data[name])
        if notice.audience == Audience.PERSONS:
            notice.audience_person_type, notice.audience_prefecture = "", None
        notice.save()
        if attachment:
            store(notice, attachment, ATTACHMENT_PURPOSE, user)
    return notice


def parse_id_numbers(text: str) -> tuple[list[tuple[int, str]], list[str]]:
    """The ID numbers of a pasted list (one a line, or separated by commas, semicolons or spaces), with
    their line numbers, and the Chinese errors of those that are not valid 居民身份证 numbers (other
    document numbers, which have letters, are taken as written)."""
    entries, errors, seen = [], [], set()
    for line_no, line in enumerate((text or "").splitlines(), 1):
        for raw in re.split(r"[,，;；\s]+", line.strip()):
            number = raw.strip().upper()
            if not number or number in seen:
                continue
            seen.add(number)
            if re.fullmatch(r"[0-9X]+", number):
                try:
                    validate_id_number(number)
                except ValidationError as exc:
                    errors.append(f"第{line_no}行 {mask_id_number(number) if len(number) >= 10 else number}：{exc.messages[0]}")
                    continue
            elif not re.fullmatch(r"[A-Z0-9()（）-]{5,30}", number):
                errors.append(f"第{line_no}行：“{number[:30]}”不是有效的证件号码")
                continue
            entries.append((line_no, number))
    return entries, errors


def set_audience(notice: Notice, user, text: str) -> int:
    """Replace the push list of a draft by the payers with the pasted ID numbers. Every number must be valid
    and belong to a payer in the notice's region that the user may see; otherwise ValidationError keyed
    "id_numbers" lists each bad line and nothing changes. Returns the number of payers on the list."""
    from domains.si_fee.payers.models import Payer

    if notice.status != Notice.Status.DRAFT:
        raise ValidationError({"id_numbers": ["只有草稿可以修改推送名单"]})
    entries, errors = parse_id_numbers(text)
    if not entries and not errors:
        errors.append("请至少填写一个证件号码")
    if len(entries) > MAX_TARGETS:
        errors.append(f"推送名单最多{MAX_TARGETS}人，当前{len(entries)}人")
    found = {}
    if entries and len(entries) <= MAX_TARGETS:
        numbers = [n for _, n in entries]
        qs = (Payer.objects.visible_to(user).filter(region__path__startswith=notice.region.path)
              .filter(id_number__in=numbers).values_list("id_number", "pk"))
        for number, pk in qs:
            found.setdefault(number.upper(), pk)
        for line_no, number in entries:
            if number not in found:
                errors.append(f"第{line_no}行 {mask_id_number(number)}：未找到该证件号码的缴费人（或不在本通知的发布辖区内）")
    if errors:
        raise ValidationError({"id_numbers": errors})
    with transaction.atomic():
        Notice.objects.select_for_update().filter(pk=notice.pk).first()
        before = NoticeTarget.objects.filter(notice=notice).count()
        NoticeTarget.objects.filter(notice=notice).delete()
        NoticeTarget.objects.bulk_create([NoticeTarget(notice=notice, payer_id=pk) for pk in dict.fromkeys(found.values())])
        count = len(set(found.values()))
        log_operation("si_notice_audience", user=user, notice_id=notice.pk, title=notice.title,
                      before=before, after=count)
    return count


def _apply(notice, name, user, **kwargs):
    try:
        return notice.workflow.apply(notice, name, user, **kwargs)
    except TransitionError as exc:
        raise ValidationError(exc.errors) from exc


def publish(notice: Notice, user, *, today=None):
    """发布 a draft (workflow "publish": permission, scope, a push list when sent by person, not expired)."""
    return _apply(notice, "publish", user, data={"today": _today(today)} if today else None)


def withdraw(notice: Notice, user, reason: str):
    """撤回 a published notice: payers no longer see it, and it is pushed no more. A reason is required."""
    return _apply(notice, "withdraw", user, comment=reason)


def audience_payers(notice: Notice):
    """The payers a notice is addressed to (whether or not it is published)."""
    from domains.si_fee.payers.models import Payer

    if notice.audience == Audience.PERSONS:
        return Payer.objects.filter(Exists(NoticeTarget.objects.filter(notice=notice, payer=OuterRef("pk"))))
    qs = Payer.objects.filter(region__path__startswith=notice.region.path)
    if notice.audience_person_type:
        qs = qs.filter(person_type=notice.audience_person_type)
    if notice.audience_prefecture_id:
        qs = qs.filter(region__path__startswith=notice.audience_prefecture.path)
    return qs


def read_stats(notice: Notice) -> dict:
    """{"audience": payers addressed, "read": of them, how many have read it, "rate": percent}."""
    payers = audience_payers(notice)
    total = payers.count()
    read = NoticeRead.objects.filter(notice=notice, payer__in=payers.values("pk")).count()
    return {"audience": total, "read": read, "unread": total - read,
            "rate": round(read * 100 / total, 1) if total else 0}


# == payer side ====================================================================================
def _region_codes(payer) -> list[str]:
    return [c for c in payer.region.path.split(".") if c]


def notices_for(payer, today=None):
    """The notices a payer sees today (list, detail, push)."""
    today = _today(today)
    codes = _region_codes(payer)
    everyone = (Q(audience=Audience.ALL) & Q(audience_person_type__in=["", payer.person_type])
                & (Q(audience_prefecture__isnull=True) | Q(audience_prefecture__code__in=codes)))
    chosen = Q(audience=Audience.PERSONS) & Exists(NoticeTarget.objects.filter(notice=OuterRef("pk"), payer=payer))
    return (Notice.objects.filter(status=Notice.Status.PUBLISHED, region__code__in=codes, valid_from__lte=today)
            .filter(Q(valid_until__isnull=True) | Q(valid_until__gte=today))
            .filter(everyone | chosen))


def payer_list(payer, sort="time", today=None):
    """The payer's notices in one of the four sorts, each with `is_read`."""
    order = SORTS.get(sort, SORTS["time"])[1]
    read = Exists(NoticeRead.objects.filter(notice=OuterRef("pk"), payer=payer))
    return notices_for(payer, today).annotate(is_read=read).order_by(*order)


def notice_for_payer(payer, pk, today=None) -> Notice:
    notice = notices_for(payer, today).filter(pk=pk).first()
    if notice is None:
        raise Http404("通知不存在或已撤回、已过有效期")
    return notice


def due_notices(payer, *, on_login: bool, today=None) -> list[Notice]:
    """The notices to push to a payer now (seed 003 §2.5.1 "configurable notification frequency"):
    at a login, those pushed at every login, and those pushed at first login that the payer has not read
    yet; when a function is opened later in the session, only the latter (a notice published meanwhile
    reaches a payer who is signed in). Most important first."""
    read = Exists(NoticeRead.objects.filter(notice=OuterRef("pk"), payer=payer))
    first_unread = Q(push_frequency=PushFrequency.FIRST_LOGIN, read_flag=False)
    wanted = (Q(push_frequency=PushFrequency.EVERY_LOGIN) | first_unread) if on_login else first_unread
    qs = notices_for(payer, today).annotate(read_flag=read).filter(wanted)
    return list(qs.order_by("level", "-published_at", "-id"))


def mark_read(payer, notice: Notice, now=None) -> NoticeRead:
    """Record the first time a payer read a notice (later reads change nothing)."""
    existing = NoticeRead.objects.filter(notice=notice, payer=payer).first()
    if existing is not None:
        return existing
    try:
        with transaction.atomic():
            return NoticeRead.objects.create(notice=notice, payer=payer, read_at=now or timezone.now())
    except IntegrityError:  # read at the same moment in another tab
        return NoticeRead.objects.get(notice=notice, payer=payer)


# == operation manual ==============================================================================
SECTION_HEADING = re.compile(r"^#\s*(.+?)\s*$")


def parse_sections(text: str) -> list[dict]:
    """Sections written as text: a line "# 标题" starts a section, the lines below are its body."""
    sections, current = [], None
    for line in (text or "").replace("\r\n", "\n").split("\n"):
        heading = SECTION_HEADING.match(line)
        if heading:
            current = {"title": heading.group(1)[:100], "body": ""}
            sections.append(current)
        elif current is not None:
            current["body"] += line + "\n"
        elif line.strip():
            raise ValidationError({"content": ["正文须以“# 章节标题”开头"]})
    for s in sections:
        s["body"] = s["body"].strip()
        if not s["body"]:
            raise ValidationError({"content": [f"章节“{s['title']}”没有内容"]})
    if not sections:
        raise ValidationError({"content": ["请填写手册正文（每个章节以“# 章节标题”开头）"]})
    return sections


def sections_text(sections) -> str:
    return "\n\n".join(f"# {s['title']}\n{s['body']}" for s in sections or [])


def current_manual():
    """The manual in force: the latest released version."""
    return ManualVersion.objects.filter(released_on__lte=timezone.localdate()).order_by("-released_on", "-id").first()


def add_manual_version(user, *, version, released_on, changes, content, video_url="") -> ManualVersion:
    """A new manual version (with every function release). ValidationError keyed by field, nothing saved."""
    errors = {}
    version = (version or "").strip().upper()
    if not re.fullmatch(r"V?\d+(\.\d+){1,3}", version):
        errors["version"] = ["版本号格式应为 V1.2 或 V1.2.1"]
    elif ManualVersion.all_objects.filter(version__iexact=version).exists():
        errors["version"] = [f"版本号 {version} 已存在"]
    latest = ManualVersion.objects.order_by("-released_on").first()
    if released_on and latest and released_on < latest.released_on:
        errors["released_on"] = [f"发布日期不能早于上一版本（{latest.version}，{latest.released_on:%Y-%m-%d}）"]
    if not (changes or "").strip():
        errors["changes"] = ["请填写本次更新的功能"]
    try:
        sections = parse_sections(content)
    except ValidationError as exc:
        errors.update(exc.message_dict)
    if errors:
        raise ValidationError(errors)
    return ManualVersion.objects.create(version=version, released_on=released_on, changes=changes.strip(),
                                        sections=sections, video_url=video_url or "")


def mask_name(name: str) -> str:
    """张三 -> 张*, 王小明 -> 王*明, 欧阳明华 -> 欧**华."""
    name = (name or "").strip()
    if len(name) <= 1:
        return "*" if name else "**"
    if len(name) == 2:
        return name[0] + "*"
    return name[0] + "*" * (len(name) - 2) + name[-1]


def watermark_text(name: str, when=None) -> str:
    when = timezone.localtime(when or timezone.now())
    return f"{mask_name(name)} {when:%Y-%m-%d %H:%M} 下载"


def manual_pdf(version: ManualVersion, user, name: str, when=None) -> bytes:
    """The manual as PDF with the downloader's masked name and the time repeated diagonally in the page
    background of every page (seed 003 §2.5.2 "watermarking ... to prevent tampering"); the download is
    logged."""
    from kernel.exports.documents import render_pdf

    mark = watermark_text(name, when)
    pdf = render_pdf("si_notice/manual_pdf.html", {"manual": version, "watermark": mark,
                                                   "marks": range(60), "title": f"社保费掌上办操作手册 {version.version}"})
    log_operation("si_manual_download", user=user, version=version.version, watermark=mark)
    return pdf
