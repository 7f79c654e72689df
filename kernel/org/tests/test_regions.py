import pytest
from django.db import connection
from django.test.utils import CaptureQueriesContext

from kernel.org.models import Region


@pytest.mark.django_db
class TestRegionTree:
    def test_guangxi_tree_is_loaded_with_gb2260_codes(self):
        assert Region.objects.get(code="450000").name == "广西壮族自治区"
        assert Region.objects.filter(level=Region.Level.CITY).count() == 14
        assert Region.objects.filter(level=Region.Level.COUNTY).count() == 111
        assert Region.objects.get(code="450103").name == "青秀区"
        assert Region.objects.get(code="450181").name == "横州市"
        assert Region.objects.get(code="451481").parent.name == "崇左市"

    def test_subtree_is_one_prefix_query(self):
        nanning = Region.objects.get(code="450100")
        with CaptureQueriesContext(connection) as q:
            codes = set(nanning.subtree().values_list("code", flat=True))
        assert len(q.captured_queries) == 1
        assert "LIKE" in q.captured_queries[0]["sql"].upper()
        assert len(codes) == 13  # the city and its 12 counties
        assert "450103" in codes and "450202" not in codes

    def test_subtree_includes_towns_and_grids(self):
        county = Region.objects.get(code="450103")
        town = Region.objects.create(code="450103001", name="测试街道", level=Region.Level.TOWN, parent=county)
        grid = Region.objects.create(code="450103001001", name="测试网格", level=Region.Level.GRID, parent=town)
        assert grid.path == "450000.450100.450103.450103001.450103001001."
        assert set(Region.objects.get(code="450100").subtree().values_list("pk", flat=True)) >= {town.pk, grid.pk}
        assert [r.code for r in grid.ancestors()] == ["450000", "450100", "450103", "450103001"]
        assert grid.full_name == "广西壮族自治区南宁市青秀区测试街道测试网格"
        assert grid.city.code == "450100"

    def test_moving_a_node_rewrites_paths_below_it(self):
        county = Region.objects.get(code="450103")
        town = Region.objects.create(code="450103009", name="移动街道", level=Region.Level.TOWN, parent=county)
        grid = Region.objects.create(code="450103009001", name="移动网格", level=Region.Level.GRID, parent=town)
        town.parent = Region.objects.get(code="450202")
        town.save()
        grid.refresh_from_db()
        assert grid.path.startswith("450000.450200.450202.450103009.")
        assert not Region.objects.get(code="450100").subtree().filter(pk=grid.pk).exists()

    def test_child_level_must_be_below_parent(self):
        from django.core.exceptions import ValidationError

        with pytest.raises(ValidationError):
            Region.objects.create(code="459999", name="错误", level=Region.Level.CITY,
                                  parent=Region.objects.get(code="450103"))
