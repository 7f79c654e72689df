"""The payment gateway's asynchronous callback (/public/si/pay/callback/): no session, no CSRF token; the
HMAC-SM3 signature of the gateway is the authentication (services.handle_callback)."""
from django.http import JsonResponse
from django.views.decorators.csrf import csrf_exempt
from django.views.decorators.http import require_POST

from .. import services


@csrf_exempt
@require_POST
def callback(request):
    status, answer = services.handle_callback(request.method, request.path, request.headers, request.body)
    return JsonResponse(answer, status=status, json_dumps_params={"ensure_ascii": False})
