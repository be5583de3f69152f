from rest_framework import serializers

from loi_portal.models import Organisation, Side, User


class SideSerializer(serializers.ModelSerializer):
    class Meta:
        model = Side
        fields = [
            "id",
            "code",
            "name",
            "authority",
            "programme",
            "currency",
            "currency_decimals",
            "time_zone",
        ]


class OrganisationSerializer(serializers.ModelSerializer):
    side = serializers.SlugRelatedField(slug_field="code", queryset=Side.objects.all())

    class Meta:
        model = Organisation
        fields = ["id", "name", "country", "side"]


class MeSerializer(serializers.ModelSerializer):
    side = serializers.SlugRelatedField(slug_field="code", read_only=True)
    roles = serializers.SerializerMethodField()

    class Meta:
        model = User
        fields = [
            "id",
            "username",
            "email",
            "first_name",
            "last_name",
            "side",
            "organisation",
            "language",
            "roles",
        ]

    def get_roles(self, user) -> list[str]:
        return sorted(user.roles)


class TokenRequestSerializer(serializers.Serializer):
    username = serializers.CharField()
    password = serializers.CharField(style={"input_type": "password"}, trim_whitespace=False)
    otp = serializers.CharField(
        required=False,
        allow_blank=True,
        max_length=12,
        help_text="Current code of the authenticator app; required for officers and evaluators when "
        "two-factor authentication is on.",
    )


class TokenResponseSerializer(serializers.Serializer):
    token = serializers.CharField()
