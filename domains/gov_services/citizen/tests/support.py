"""Builders for the applicant-side tests; no tests here."""
import base64
import io
import itertools

from django.core.files.uploadedfile import SimpleUploadedFile

from domains.gov_services.one_window.tests.acceptance_support import QINGXIU, XINGNING, World, clerk, pdf, png, valid_id  # noqa: F401
from kernel.accounts.models import User
from kernel.core.testing import PASSWORD

_seq = itertools.count(1)


def citizen(name="李四"):
    n = next(_seq)
    return User.objects.create_user(username=f"cz{n}", password=PASSWORD, kind="citizen", real_name=name,
                                    phone=f"139077{n:05d}", id_number=valid_id(f"45010219900101{n % 1000:03d}"),
                                    must_change_password=False)


def signature_png(size=(120, 40)):
    from PIL import Image, ImageDraw

    img = Image.new("RGBA", size, (255, 255, 255, 0))
    ImageDraw.Draw(img).line([(5, 20), (100, 25)], fill=(0, 0, 0, 255), width=3)
    out = io.BytesIO()
    img.save(out, "PNG")
    return "data:image/png;base64," + base64.b64encode(out.getvalue()).decode()


def jpeg():
    from PIL import Image

    out = io.BytesIO()
    Image.new("RGB", (40, 30), (10, 20, 30)).save(out, "JPEG")
    return SimpleUploadedFile("id.jpg", out.getvalue(), content_type="image/jpeg")


def add_id_material(world):
    """Make the matter's 申请人身份证明 fetchable from the library as 居民身份证."""
    world.matter.materials.filter(name="申请人身份证明").update(licence_type="居民身份证")


def client_for(user):
    """A test client signed in as `user` through the login (PASSWORD)."""
    from django.test import Client

    from kernel.core.testing import PASSWORD

    c = Client()
    assert c.login(username=user.username, password=PASSWORD)
    return c
