from django.urls import path

from . import staff

urlpatterns = [
    path("notices/", staff.NoticeListView.as_view(), name="si_notice_list"),
    path("notices/new/", staff.NoticeCreateView.as_view(), name="si_notice_create"),
    path("notices/<int:pk>/", staff.NoticeDetailView.as_view(), name="si_notice_detail"),
    path("notices/<int:pk>/edit/", staff.NoticeEditView.as_view(), name="si_notice_edit"),
    path("notices/<int:pk>/audience/", staff.NoticeAudienceView.as_view(), name="si_notice_audience"),
    path("notices/<int:pk>/publish/", staff.NoticePublishView.as_view(), name="si_notice_publish"),
    path("notices/<int:pk>/withdraw/", staff.NoticeWithdrawView.as_view(), name="si_notice_withdraw"),
    path("manuals/", staff.ManualListView.as_view(), name="si_notice_manuals"),
    path("manuals/new/", staff.ManualCreateView.as_view(), name="si_notice_manual_create"),
    path("manuals/<int:pk>/", staff.ManualDetailView.as_view(), name="si_notice_manual_detail"),
    path("manuals/<int:pk>/pdf/", staff.ManualPdfView.as_view(), name="si_notice_manual_pdf"),
]
