from drf_spectacular.utils import extend_schema, inline_serializer
from rest_framework import serializers
from rest_framework.permissions import AllowAny
from rest_framework.response import Response
from rest_framework.views import APIView

from kernel.core.api import ScopedReadOnlyViewSet
from kernel.org.validators import mask_phone

from . import services
from .models import User


class UserSerializer(serializers.ModelSerializer):
    organisation = serializers.StringRelatedField()
    phone = serializers.SerializerMethodField()

    class Meta:
        model = User
        fields = ["id", "username", "real_name", "kind", "organisation", "phone", "is_active", "last_login"]

    def get_phone(self, obj) -> str:
        user = self.context["request"].user
        return obj.phone if user.has_perm("accounts.view_personal_data") else mask_phone(obj.phone)


class UserViewSet(ScopedReadOnlyViewSet):
    queryset_base = User.objects
    serializer_class = UserSerializer
    select_related = ("organisation",)
    filterset_fields = ["kind", "is_active"]

    def get_queryset(self):
        return super().get_queryset().order_by("username")



class TokenRequestSerializer(serializers.Serializer):
    username = serializers.CharField(label="账号")
    password = serializers.CharField(label="密码", style={"input_type": "password"})


class ObtainTokenView(APIView):
    """POST username/password -> {"token": ...}; the login policy (lockout) applies."""

    authentication_classes = []
    permission_classes = [AllowAny]
    serializer_class = TokenRequestSerializer

    @extend_schema(request=TokenRequestSerializer, responses={200: inline_serializer("Token", {"token": serializers.CharField()})})
    def post(self, request):
        data = TokenRequestSerializer(data=request.data)
        data.is_valid(raise_exception=True)
        result, token = services.issue_token(request, data.validated_data["username"], data.validated_data["password"])
        if token is None:
            return Response({"detail": result.error}, status=400)
        return Response({"token": token})
