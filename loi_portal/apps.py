from django.apps import AppConfig
from django.utils.translation import gettext_lazy as _


class LoiPortalConfig(AppConfig):
    name = "loi_portal"
    verbose_name = _("LoI Portal")
