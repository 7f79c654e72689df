from django.apps import AppConfig


class DepartmentSimConfig(AppConfig):
    name = "integrations.department_sim"
    label = "department_sim"
    verbose_name = "部门业务系统模拟器"
