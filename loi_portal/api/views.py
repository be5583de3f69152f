from django.contrib.auth import authenticate
from drf_spectacular.utils import OpenApiResponse, extend_schema
from rest_framework import generics, permissions, status, viewsets
from rest_framework.authtoken.models import Token
from rest_framework.response import Response
from rest_framework.views import APIView

from loi_portal.models import Organisation, Side
from loi_portal.security import two_factor
from loi_portal.security.lockout import lockout_message

from .serializers import (
    MeSerializer,
    OrganisationSerializer,
    SideSerializer,
    TokenRequestSerializer,
    TokenResponseSerializer,
)


class SideViewSet(viewsets.ReadOnlyModelViewSet):
    """The two Sides of the letter. Public."""

    queryset = Side.objects.all()
    serializer_class = SideSerializer
    permission_classes = [permissions.AllowAny]
    filterset_fields = ["code"]
    ordering_fields = ["code"]


class OrganisationViewSet(viewsets.ReadOnlyModelViewSet):
    queryset = Organisation.objects.select_related("side").order_by("name", "pk")
    serializer_class = OrganisationSerializer
    filterset_fields = ["side__code", "country"]
    search_fields = ["name"]
    ordering_fields = ["name", "country"]


class ObtainTokenView(APIView):
    """Exchange a user name and password for an API token."""

    permission_classes = [permissions.AllowAny]
    authentication_classes: list = []

    @extend_schema(
        request=TokenRequestSerializer,
        responses={
            200: TokenResponseSerializer,
            400: OpenApiResponse(
                description="Wrong user name or password, or a missing or wrong one-time code (`otp`)."
            ),
            429: OpenApiResponse(
                description="Too many failed log-ins for this account or from this address."
            ),
        },
    )
    def post(self, request):
        serializer = TokenRequestSerializer(data=request.data)
        serializer.is_valid(raise_exception=True)
        credentials = dict(serializer.validated_data)
        otp = credentials.pop("otp", "")
        user = authenticate(request, **credentials)
        if getattr(request, "axes_locked_out", False):
            return Response({"detail": lockout_message()}, status=status.HTTP_429_TOO_MANY_REQUESTS)
        if user is None or not user.is_active:
            return Response(
                {"non_field_errors": ["Unable to log in with the given user name and password."]},
                status=status.HTTP_400_BAD_REQUEST,
            )
        otp_error = two_factor.api_code_error(user, otp)
        if otp_error:
            return Response({"otp": [otp_error]}, status=status.HTTP_400_BAD_REQUEST)
        token, _created = Token.objects.get_or_create(user=user)
        return Response({"token": token.key})


class MeView(generics.RetrieveAPIView):
    serializer_class = MeSerializer

    def get_object(self):
        return self.request.user
