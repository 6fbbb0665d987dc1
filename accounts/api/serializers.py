from django.contrib.auth import authenticate
from django.utils.translation import gettext_lazy as _
from rest_framework import exceptions, serializers

from accounts.choices import Role
from accounts.lockout import lockout_message
from accounts.models import User


class LockedOut(exceptions.APIException):
    status_code = 429
    default_code = "locked_out"


class TokenRequestSerializer(serializers.Serializer):
    username = serializers.CharField(label=_("用户名"), max_length=150)
    password = serializers.CharField(
        label=_("密码"), max_length=128, style={"input_type": "password"}, trim_whitespace=False
    )

    def validate(self, attrs):
        request = self.context.get("request")
        user = authenticate(request=request, username=attrs["username"], password=attrs["password"])
        if user is None and getattr(request, "axes_locked_out", False):
            raise LockedOut(lockout_message())  # accounts.lockout: too many failures for this username/address
        if user is None or not user.is_active:
            raise serializers.ValidationError(_("用户名或密码不正确。"), code="authorization")
        attrs["user"] = user
        return attrs


class UserBriefSerializer(serializers.ModelSerializer):
    name = serializers.SerializerMethodField()
    role = serializers.ChoiceField(choices=Role.choices, allow_blank=True, read_only=True)

    class Meta:
        model = User
        fields = ["id", "username", "name", "role"]

    def get_name(self, user) -> str:
        return user.get_full_name() or user.username


class TokenSerializer(serializers.Serializer):
    token = serializers.CharField()
    user = UserBriefSerializer()


class MeSerializer(serializers.ModelSerializer):
    """The caller: role and the units their scope is built from."""

    name = serializers.SerializerMethodField()
    role = serializers.ChoiceField(choices=Role.choices, allow_blank=True, read_only=True)
    role_display = serializers.CharField(source="get_role_display")
    language = serializers.ChoiceField(
        choices=User._meta.get_field("language").choices, allow_blank=True, read_only=True
    )
    sees_everything = serializers.BooleanField()
    zones = serializers.PrimaryKeyRelatedField(many=True, read_only=True)
    grids = serializers.PrimaryKeyRelatedField(many=True, read_only=True)
    enterprises = serializers.PrimaryKeyRelatedField(many=True, read_only=True)
    parcels = serializers.PrimaryKeyRelatedField(many=True, read_only=True)

    class Meta:
        model = User
        fields = [
            "id",
            "username",
            "name",
            "email",
            "phone",
            "role",
            "role_display",
            "language",
            "is_staff",
            "whole_area",
            "sees_everything",
            "zones",
            "grids",
            "enterprises",
            "parcels",
        ]
        read_only_fields = fields

    def get_name(self, user) -> str:
        return user.get_full_name() or user.username
