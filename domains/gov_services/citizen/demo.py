"""Demo of the applicant's side: the department user who answers bad reviews of the 兴宁区 market
regulator's matters (xn_dept, 部门整改人员). Idempotent."""
from kernel.accounts import services as accounts
from kernel.accounts.demo import DEMO_PASSWORD
from kernel.accounts.models import Role, User
from kernel.org.models import Organisation

DEPARTMENT = "南宁市兴宁区市场监督管理局"


def seed(scale, out):
    department = Organisation.objects.filter(name=DEPARTMENT).first()
    if department is None or User.objects.filter(username="xn_dept").exists():
        return ""
    accounts.create_user(username="xn_dept", password=DEMO_PASSWORD, kind="staff", organisation=department,
                         roles=list(Role.objects.filter(code="gs_dept_rectifier")), real_name="蓝整改",
                         phone="13771206003", must_change_password=False)
    return "部门整改人员1个（xn_dept）"
