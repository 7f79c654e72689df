"""Builders shared by the acceptance and supervision tests; no tests here.

兴宁区 (450102) has a government-service centre with window 1 (investment and housing); a published matter
(承诺3个、法定5个工作日) with two required materials (one original to check) and an optional one; a clerk
there (gs_window_clerk) and one in 青秀区 (450103) for the scope checks."""
import datetime
import io
import itertools

from django.core.files.uploadedfile import SimpleUploadedFile
from django.utils import timezone

from kernel.accounts.models import Role
from kernel.core.testing import make_agency, make_enterprise, make_staff
from kernel.org.models import Organisation, Region

from ..models import Matter, MatterMaterial, MatterVersion, Window

_seq = itertools.count(1)
XINGNING, QINGXIU = "450102", "450103"
TZ = timezone.get_default_timezone()
D = datetime.date.fromisoformat


def at(text):
    return datetime.datetime.fromisoformat(text).replace(tzinfo=TZ)


def valid_id(first17="45010219850612123"):
    from kernel.org.validators import id_check_char

    return first17 + id_check_char(first17)


def pdf(tag="1"):
    return SimpleUploadedFile(f"scan{tag}.pdf", b"%PDF-1.4\n%" + tag.encode() + b"\n1 0 obj<< /Type /Catalog >>endobj\n"
                              b"trailer<< /Root 1 0 R >>\n%%EOF\n", content_type="application/pdf")


def png(colour=(200, 30, 30)):
    from PIL import Image

    out = io.BytesIO()
    Image.new("RGB", (40, 30), colour).save(out, "PNG")
    return SimpleUploadedFile("photo.png", out.getvalue(), content_type="image/png")


def clerk(region_code, role="gs_window_clerk", **extra):
    user = make_staff(region_code, username=f"gs{next(_seq)}", **extra)
    user.roles.add(Role.objects.get(code=role))
    return user


class World:
    def __init__(self):
        region = Region.objects.get(code=XINGNING)
        self.centre = Organisation.objects.create(name=f"兴宁区政务服务中心{next(_seq)}", kind="agency", region=region,
                                                  agency_type=make_agency(XINGNING).agency_type)
        self.dept = make_agency(XINGNING)
        self.window = Window.objects.create(region=region, centre=self.centre, name="投资审批", number=str(next(_seq)),
                                            categories=["investment", "housing"])
        self.matter = self.make_matter()
        self.clerk = clerk(XINGNING, real_name="窗口甲", phone="13907712001")
        self.other = clerk(QINGXIU, real_name="青秀窗口")
        self.enterprise = make_enterprise(XINGNING, name="南宁兴宁测试建设有限公司")

    def make_matter(self, name="企业投资项目备案", promised=3, statutory=5, category="investment"):
        n = next(_seq)
        m = Matter.objects.create(code=f"GS-T{n:04d}", name=name, category=category, department=self.dept,
                                  region=self.centre.region, statutory_days=statutory, promised_days=promised,
                                  contact_phone="0771-5550001", supervision_phone="0771-12345",
                                  status="published", version=1)
        mats = [MatterMaterial.objects.create(matter=m, name="项目备案申请表", required=True, order=1),
                MatterMaterial.objects.create(matter=m, name="申请人身份证明", required=True, original=True, order=2),
                MatterMaterial.objects.create(matter=m, name="其他补充材料", required=False, order=3)]
        MatterVersion.objects.create(matter=m, version=1, snapshot={"name": m.name, "materials": [
            {"id": x.pk, "name": x.name, "required": x.required, "original": x.original} for x in mats]})
        return m

    def keys(self, matter=None):
        from .. import services

        return [i["key"] for i in services.version_materials(matter or self.matter)]

    def materials(self, matter=None, skip=()):
        k = self.keys(matter)
        out = [{"key": k[0], "checked": True, "file": pdf("a")},
               {"key": k[1], "checked": True, "original_seen": True, "file": png()}]
        return [m for i, m in enumerate(out) if i not in skip]

    def register(self, by=None, accepted_at=None, matter=None, **over):
        from .. import services

        fields = dict(matter=matter or self.matter, window=self.window, applicant_name="韦小宝",
                      applicant_id_number=valid_id(), applicant_phone="13907719999",
                      materials=self.materials(matter), accepted_at=accepted_at)
        fields.update(over)
        return services.register_case(by or self.clerk, **fields)
