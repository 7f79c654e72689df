"""Agency pages of public complaints (投诉举报), at /gov/se/complaints/ (namespace "gov")."""
from django.urls import path

from . import complaints

urlpatterns = [
    path("complaints/", complaints.ComplaintListView.as_view(), name="se_complaint_list"),
    path("complaints/<int:pk>/", complaints.ComplaintDetailView.as_view(), name="se_complaint_detail"),
    path("complaints/<int:pk>/hazard/", complaints.ComplaintHazardView.as_view(), name="se_complaint_hazard"),
]
