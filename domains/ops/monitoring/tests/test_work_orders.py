"""Collaborative work orders (协同工单) with the fields of seed 002 §2.5 through the workflow engine: new → dispatched
→ processing → completed (feedback and completion time) → evaluated (star rating and evaluation); to-dos follow
the states; bad input is refused in Chinese and changes nothing; another county gets 404."""
import pytest
from django.core.exceptions import ValidationError

from domains.ops.monitoring import services
from domains.ops.monitoring.models import WorkOrder
from kernel.todos.models import Todo
from kernel.workflow.models import TransitionLog

from .support import person

pytestmark = pytest.mark.django_db
FIELDS = {"subject": "政务外网上联链路中断", "content": "大厅至市政务外网链路中断", "initiating_unit": "兴宁区政务服务中心",
          "business_type": "fault", "receiving_unit": "市运维节点", "initiator_contact": "蒙兴宁",
          "initiator_phone": "13771208005", "receiver_contact": "市值班", "receiver_phone": "0771-5500110",
          "om_level": "1"}


def new_order(node, user, **extra):
    return services.create_work_order(WorkOrder(node=node, **{**FIELDS, **extra}), user)


def test_work_order_through_its_states(node, manager):
    engineer = person(node.organisation, "ops_engineer")
    order = new_order(node, manager)
    assert order.number.startswith("XTXN450102YW01-") and order.number.endswith("-001")
    assert new_order(node, manager).number.endswith("-002")
    assert Todo.objects.get(object_id=str(order.pk), status="open").role_code == "ops_manager"
    with pytest.raises(ValidationError) as exc:
        services.dispatch(order, manager, None)
    assert exc.value.message_dict == {"assignee": ["请选择处理人"]}
    services.dispatch(order, manager, engineer, "请协同排查")
    assert Todo.objects.get(object_id=str(order.pk), status="open").assignee == engineer
    with pytest.raises(ValidationError) as exc:
        services.accept(order, manager)
    assert exc.value.message_dict["__all__"] == ["只有处理人可以办理该工单"]
    services.accept(order, engineer)
    with pytest.raises(ValidationError) as exc:
        services.complete(order, engineer, "  ")
    assert exc.value.message_dict == {"receiver_feedback": ["请填写接收单位情况反馈"]}
    order.refresh_from_db()
    assert order.status == "processing" and order.completed_at is None
    services.complete(order, engineer, "更换光模块后恢复")
    order.refresh_from_db()
    assert order.status == "completed" and order.completed_at is not None
    with pytest.raises(ValidationError) as exc:
        services.evaluate(order, manager, 6)
    assert exc.value.message_dict == {"star_rating": ["星级评价应为1至5星"]}
    with pytest.raises(ValidationError) as exc:
        services.evaluate(order, engineer, 5)  # the handler may not rate their own work
    assert exc.value.message_dict["__all__"] == ["您没有“评价”的权限"]
    services.evaluate(order, manager, 4, "处理及时")
    order.refresh_from_db()
    assert (order.status, order.star_rating, order.evaluation) == ("evaluated", 4, "处理及时")
    assert list(TransitionLog.objects.filter(object_id=str(order.pk), workflow="ops_mon_work_order")
                .order_by("id").values_list("transition", flat=True)) == ["dispatch", "accept", "complete", "evaluate"]
    assert not Todo.objects.filter(object_id=str(order.pk), status="open").exists()


def test_cancel_needs_a_reason_and_bad_fields_are_chinese(node, manager):
    order = new_order(node, manager)
    with pytest.raises(ValidationError) as exc:
        services.cancel(order, manager, "")
    assert exc.value.message_dict == {"comment": ["请填写处理意见"]}
    services.cancel(order, manager, "重复工单")
    assert WorkOrder.objects.get(pk=order.pk).status == "cancelled"
    with pytest.raises(ValidationError) as exc:
        new_order(node, manager, initiator_phone="12345", star_rating=9, business_type="party")
    errors = exc.value.message_dict
    assert errors["initiator_phone"] == ["请填写手机号（11位）或座机号（如 0771-5611234）"]
    assert errors["star_rating"] == ["确保该值小于或等于5。"]
    assert errors["business_type"] == ["值 'party' 不是有效选项。"]
    assert WorkOrder.objects.count() == 1


def test_order_pages_scope_and_actions(client, node, manager, other_county_user, other_city_user):
    client.force_login(manager)
    response = client.post("/gov/ops/monitoring/orders/new/", {**FIELDS, "kind": "collaborative", "initiator_phone": "1"})
    assert response.status_code == 400 and "请填写手机号" in response.content.decode()
    assert WorkOrder.objects.count() == 0
    response = client.post("/gov/ops/monitoring/orders/new/", {**FIELDS, "kind": "collaborative"})
    order = WorkOrder.objects.get()
    assert response.status_code == 302 and order.created_by == manager
    page = client.post(f"/gov/ops/monitoring/orders/{order.pk}/dispatch/", {"assignee": ""}, follow=True)
    assert "请选择处理人" in page.content.decode()
    client.post(f"/gov/ops/monitoring/orders/{order.pk}/dispatch/", {"assignee": manager.pk})
    client.post(f"/gov/ops/monitoring/orders/{order.pk}/accept/")
    client.post(f"/gov/ops/monitoring/orders/{order.pk}/complete/", {"receiver_feedback": "已恢复"})
    client.post(f"/gov/ops/monitoring/orders/{order.pk}/evaluate/", {"star_rating": "5", "evaluation": "满意"})
    order.refresh_from_db()
    assert (order.status, order.star_rating) == ("evaluated", 5)
    assert "已评价" in client.get(f"/gov/ops/monitoring/orders/{order.pk}/").content.decode()
    for user in (other_county_user, other_city_user):
        client.force_login(user)
        assert client.get(f"/gov/ops/monitoring/orders/{order.pk}/").status_code == 404
        assert client.post(f"/gov/ops/monitoring/orders/{order.pk}/cancel/", {"comment": "x"}).status_code == 404
        assert order.number not in client.get("/gov/ops/monitoring/orders/").content.decode()
