from django.conf import settings
from django.core.checks import Warning, register


@register(deploy=True)
def shared_cache_check(app_configs, **kwargs):
    backend = settings.CACHES["default"]["BACKEND"]
    if "locmem" in backend:
        return [Warning(
            "生产环境未配置 REDIS_URL：本地内存缓存不在进程间共享，多进程部署时计数、权限和字典缓存会不一致。",
            hint="设置 REDIS_URL，例如 redis://127.0.0.1:6379/0",
            id="zw.W001",
        )]
    return []
