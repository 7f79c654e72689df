"""The directive documents (整改通知书 / 整改督处函): Word and PDF with the unit's data, for the
regulators of the jurisdiction and for the unit (and reporting institution) they were sent to;
nothing before dispatch; another county gets 404; every download is logged."""
import io

import pytest
from django.urls import reverse
from docx import Document

from kernel.audit.models import OperationLog

from .test_gov_support import World, days, unit_user

pytestmark = pytest.mark.django_db


@pytest.fixture
def w():
    return World()


def docx_text(response):
    return "\n".join(p.text for p in Document(io.BytesIO(b"".join(response.streaming_content)
                                                      if response.streaming else response.content)).paragraphs)


def doc_url(entrance, hazard, fmt):
    return reverse(f"{entrance}:se_hazard_document", args=[hazard.pk, fmt])


@pytest.mark.parametrize("directive,title", [("notice", "整改通知书"), ("letter", "整改督处函")])
def test_regulator_downloads_word_and_pdf_with_the_units_data(client, w, directive, title):
    hazard = w.dispatch(w.report(), directive=directive, deadline_days=25)
    client.force_login(w.qx)
    word = client.get(doc_url("gov", hazard, "docx"))
    assert word.status_code == 200
    text = docx_text(word)
    deadline = days(25)
    assert title in text and w.unit.name in text and hazard.directive_no in text
    assert f"{deadline.year}年{deadline.month}月{deadline.day}日" in text
    pdf = client.get(doc_url("gov", hazard, "pdf"))
    body = b"".join(pdf.streaming_content) if pdf.streaming else pdf.content
    assert pdf.status_code == 200 and pdf["Content-Type"] == "application/pdf" and body.startswith(b"%PDF")
    assert OperationLog.objects.filter(action="download", actor=w.qx).count() == 2


def test_the_unit_downloads_the_notice_it_was_sent_and_no_one_elses(client, w):
    hazard = w.dispatch(w.report(), directive="notice")
    client.force_login(w.unit_user)
    page = client.get(reverse("ent:se_hazard_detail", args=[hazard.pk])).content.decode()
    assert doc_url("ent", hazard, "docx") in page and doc_url("ent", hazard, "pdf") in page
    response = client.get(doc_url("ent", hazard, "docx"))
    assert response.status_code == 200 and w.unit.name in docx_text(response)
    assert OperationLog.objects.filter(action="download", actor=w.unit_user, entrance="ent").exists()
    client.force_login(unit_user(w.xn_unit))  # another unit: as if it did not exist
    assert client.get(doc_url("ent", hazard, "docx")).status_code == 404
    assert client.get(reverse("ent:se_hazard_detail", args=[hazard.pk])).status_code == 404


def test_no_document_before_dispatch_and_no_unknown_format(client, w):
    reported = w.report()
    client.force_login(w.qx)
    assert client.get(doc_url("gov", reported, "docx")).status_code == 404
    dispatched = w.dispatch(w.report())
    assert client.get(doc_url("gov", dispatched, "odt")).status_code == 404
    assert not OperationLog.objects.filter(action="download").exists()


def test_another_countys_regulator_gets_404_on_the_page_and_the_documents(client, w):
    hazard = w.dispatch(w.report())
    client.force_login(w.xn)
    assert client.get(reverse("gov:se_hazard_detail", args=[hazard.pk])).status_code == 404
    assert client.get(doc_url("gov", hazard, "docx")).status_code == 404
    client.force_login(w.lz)
    assert client.get(reverse("gov:se_hazard_detail", args=[hazard.pk])).status_code == 404
    client.force_login(w.city)  # the city above the county sees it
    assert client.get(reverse("gov:se_hazard_detail", args=[hazard.pk])).status_code == 200
