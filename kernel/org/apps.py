from django.apps import AppConfig


class OrgConfig(AppConfig):
    name = "kernel.org"
    label = "org"
    verbose_name = "区划与机构"

    def ready(self):
        from kernel.ui.home import HomeCard, register
        from kernel.ui.menu import MenuItem, registry

        registry.section("基础数据", 10, "bi-diagram-3")
        registry.add(MenuItem("基础数据", "机构管理", "gov:org_list", "org.view_organisation", "bi-buildings", order=10))
        registry.add(MenuItem("基础数据", "行政区划", "gov:region_list", "org.view_region", "bi-geo-alt", order=20))
        registry.section("本单位", 10, "bi-building")
        registry.add(MenuItem("本单位", "本单位信息", "ent:my_org", (), "bi-building", entrance="ent", order=10))

        from .models import Organisation

        register(HomeCard("辖区机构", "bi-buildings", "org.view_organisation",
                          lambda u: Organisation.objects.visible_to(u).count(), "gov:org_list", order=10))
        register(HomeCard("辖区企业", "bi-briefcase", "org.view_organisation",
                          lambda u: Organisation.objects.visible_to(u).filter(kind="enterprise").count(),
                          "gov:org_list", order=20))

    def load_reference(self):
        from .reference import load_regions

        return f"区划{load_regions()}个"

    def seed_demo(self, scale, out):
        from .demo import seed

        return seed(scale, out)
