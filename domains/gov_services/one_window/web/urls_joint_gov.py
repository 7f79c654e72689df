from django.urls import path

from . import joint as v

urlpatterns = [
    path("joint/", v.JointListView.as_view(), name="gs_joint_list"),
    path("joint/review/<int:pk>/", v.ReviewView.as_view(), name="gs_joint_review"),
    path("joint/<str:group>/", v.JointProjectView.as_view(), name="gs_joint_project"),
]
