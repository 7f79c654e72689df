"""Shared set-up of the monitoring node's tests: a county node (兴宁区, 450102) joined to the local city-node
simulator, and people of its unit with the ops roles."""
import itertools

import pytest

from domains.ops.monitoring import services
from domains.ops.monitoring.models import Node, Resource
from kernel.accounts.models import Role, User
from kernel.core.testing import PASSWORD, make_agency, make_staff

COUNTY = "450102"
_seq = itertools.count(1)


def person(org, *roles, username=None):
    user = User.objects.create_user(username=username or f"mon{next(_seq)}", password=PASSWORD, kind="staff",
                                    organisation=org, real_name="测试运维", phone="13771209001",
                                    must_change_password=False)
    user.roles.add(*Role.objects.filter(code__in=roles))
    return user


def make_node(region=COUNTY, code="XN450102YW01", connect=True):
    org = make_agency(region, "gov_service")
    node = services.save_record(Node(organisation=org, code=code, unit_name=org.name, responsible_person="蒙兴宁",
                                   responsible_contact="13771208005", duty_phone="0771-5611234", address="兴宁区长堽路"))
    if connect:
        services.connect_simulator(node)
    return node


def resource(node, number, category="database", name=None, parent=None, **extra):
    return services.save_resource(Resource(node=node, number=number, category=category, name=name or number,
                                           parent=parent, **extra))


@pytest.fixture
def node(db):
    return make_node()


@pytest.fixture
def manager(node):
    return person(node.organisation, "ops_manager", "ops_engineer")


@pytest.fixture
def other_county_user(db):
    """A county next door (青秀区) with every ops role: sees nothing of 兴宁区's node."""
    return person(make_agency("450103", "gov_service"), "ops_manager", "ops_engineer")


@pytest.fixture
def other_city_user(db):
    return person(make_agency("450200", "gov_service"), "ops_manager", "ops_engineer")


@pytest.fixture
def city_user(db):
    """Nanning's own staff (the parent of 兴宁区): sees the node's records."""
    return make_staff("450100", ["ops_monitoring.view_resource", "ops_monitoring.view_node"])
