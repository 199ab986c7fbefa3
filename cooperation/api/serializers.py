"""What the API returns: stable English field names, Japanese labels (the schema's titles), ISO 8601 dates.

Related objects are given by their natural keys (団体コード as a string,
center code, item code, prefecture JIS code), as in the site's URLs and
downloads, so a client never needs internal ids except for activities,
referrals and changes, which have no other.
"""

from django.utils.translation import gettext_lazy as _
from drf_spectacular.types import OpenApiTypes
from drf_spectacular.utils import extend_schema_field
from rest_framework import serializers

from cooperation.models import Activity, Progress, ProgressChange, Referral, RequestItem, Stage
from offices.models import Municipality, Office

LG_CODE = _("local government code")


class LocalGovernmentSerializer(serializers.ModelSerializer):
    lg_code = serializers.CharField(label=LG_CODE, help_text=_("6-digit code with check digit, e.g. 012033"))
    prefecture = serializers.CharField(source="prefecture.code", label=_("Prefecture"))
    office = serializers.CharField(source="office.code", label=_("Center"))

    class Meta:
        model = Municipality
        fields = ["lg_code", "name", "name_kana", "kind", "prefecture", "office", "is_active"]


class CenterSerializer(serializers.ModelSerializer):
    prefecture = serializers.CharField(source="prefecture.code", label=_("Prefecture"))
    region = serializers.CharField(source="region.code", label=_("Region"))

    class Meta:
        model = Office
        fields = ["code", "label", "name", "division", "phone", "prefecture", "region"]


class RequestItemSerializer(serializers.ModelSerializer):
    category = serializers.CharField(source="category.code", label=_("category"))

    class Meta:
        model = RequestItem
        fields = ["code", "category", "title_ja", "title_en", "scope", "sort_order", "is_active"]


class ProgressSerializer(serializers.ModelSerializer):
    """A local government's stage on one item; with ``as_of``, the stage in force at the end of that day."""

    local_government = serializers.CharField(source="municipality.lg_code", label=LG_CODE)
    local_government_name = serializers.CharField(source="municipality.name", label=_("Local government"))
    item = serializers.CharField(source="item.code", label=_("request item"))
    stage = serializers.ChoiceField(choices=Stage.choices, source="stage_as_of", label=_("stage"))
    stage_date = serializers.DateField(
        source="stage_date_as_of", allow_null=True, label=_("effective date"), help_text=_("ISO 8601 date")
    )
    as_of = serializers.SerializerMethodField(label=_("As of"))

    class Meta:
        model = Progress
        fields = ["local_government", "local_government_name", "item", "stage", "stage_date", "as_of"]

    @extend_schema_field(OpenApiTypes.DATE)
    def get_as_of(self, progress) -> str:
        return self.context["as_of"].isoformat()


class ProgressChangeSerializer(serializers.ModelSerializer):
    local_government = serializers.CharField(source="progress.municipality.lg_code", label=LG_CODE)
    item = serializers.CharField(source="progress.item.code", label=_("request item"))
    recorded_by = serializers.SerializerMethodField(label=_("recorded by"))
    activity = serializers.IntegerField(source="activity_id", allow_null=True, label=_("activity"))
    referral = serializers.IntegerField(source="referral_id", allow_null=True, label=_("referral"))
    import_batch = serializers.IntegerField(source="import_batch_id", allow_null=True, label=_("import"))

    class Meta:
        model = ProgressChange
        fields = [
            "id",
            "local_government",
            "item",
            "from_stage",
            "to_stage",
            "effective_date",
            "recorded_at",
            "recorded_by",
            "note",
            "activity",
            "referral",
            "import_batch",
        ]

    def get_recorded_by(self, change) -> str | None:
        return str(change.recorded_by) if change.recorded_by_id else None


class ActivitySerializer(serializers.ModelSerializer):
    office = serializers.CharField(source="office.code", label=_("Center"))
    item = serializers.CharField(source="item.code", label=_("request item"))
    local_governments = serializers.SerializerMethodField(
        label=_("Local governments"), help_text=_("Only those within your scope")
    )

    class Meta:
        model = Activity
        fields = [
            "id",
            "date",
            "office",
            "item",
            "kind",
            "title",
            "local_governments",
            "attendees",
            "consultations",
            "commissioners_present",
            "people_recommended",
            "commissioners_awarded",
            "follow_up_on",
            "follow_up_done",
        ]

    def get_local_governments(self, activity) -> list[str]:
        return [municipality.lg_code for municipality in activity.municipalities.all()]


class ReferralCommissionerSerializer(serializers.Serializer):
    """The commissioner a referral went to: register number and name, never contact details."""

    number = serializers.CharField(label=_("commissioner number"))
    name = serializers.CharField(label=_("name"))


class ReferralSerializer(serializers.ModelSerializer):
    """A referral's metadata: the consultation's summary never leaves the site."""

    local_government = serializers.CharField(source="municipality.lg_code", label=LG_CODE)
    office = serializers.CharField(source="office.code", label=_("Center"))
    commissioner = ReferralCommissionerSerializer(
        read_only=True,
        allow_null=True,
        label=_("commissioner"),
        help_text=_("For a referral to a commissioner (direction to_commissioner); null otherwise."),
    )

    class Meta:
        model = Referral
        fields = [
            "id",
            "local_government",
            "office",
            "direction",
            "commissioner",
            "received_on",
            "topic",
            "agency",
            "status",
            "outcome",
            "acknowledged_at",
            "started_at",
            "closed_at",
        ]
