from django.db import transaction

from .data.guangxi import CITIES, PROVINCE
from .models import Region


@transaction.atomic
def load_regions():
    """Guangxi, its 14 cities and 111 counties (idempotent)."""
    province, _ = Region.objects.update_or_create(
        code=PROVINCE[0], defaults={"name": PROVINCE[1], "level": Region.Level.PROVINCE, "parent": None}
    )
    for i, (code, name, counties) in enumerate(CITIES, start=1):
        city, _ = Region.objects.update_or_create(
            code=code, defaults={"name": name, "level": Region.Level.CITY, "parent": province, "order": i}
        )
        for j, (ccode, cname) in enumerate(counties, start=1):
            Region.objects.update_or_create(
                code=ccode, defaults={"name": cname, "level": Region.Level.COUNTY, "parent": city, "order": j}
            )
    return Region.objects.count()
