"""The objects scope rules point at, built once per test through the services.

小樽市 (012033) lies in 後志 but is served by 札幌; 函館市 (012025) is served by 函館.
So for center-sapporo 小樽市 is in scope and 函館市 out of scope, and the other way
round for center-hakodate.
"""

import datetime
from functools import cached_property

from django.core.files.uploadedfile import SimpleUploadedFile

from cooperation.activities.services import activity_create
from cooperation.fiscal import today
from cooperation.models import Progress, RequestItem
from cooperation.referrals.services import referral_create
from offices.models import Municipality, Office, Prefecture


class World:
    def __init__(self, users: dict):
        self.users = users
        self.day = today() - datetime.timedelta(days=10)

    @cached_property
    def otaru(self):
        return Municipality.objects.get(lg_code="012033")

    @cached_property
    def hakodate_city(self):
        return Municipality.objects.get(lg_code="012025")

    @cached_property
    def sapporo_city(self):
        return Municipality.objects.get(lg_code="011002")

    @cached_property
    def hokkaido_government(self):
        return Municipality.objects.get(lg_code="010006")

    @cached_property
    def kagawa_town(self):
        """A town in 香川県 (四国支局, under 中国四国)."""
        return Municipality.objects.filter(prefecture__code="37", kind="town").first()

    @cached_property
    def kagawa_town_officer(self):
        """A local government officer of that 香川県 town: an account the 中国四国 bureau manages."""
        from offices.models import Role, User

        user = User.objects.create_user(username="lg-kagawa-town", password="pass-for-tests-123")
        Role.objects.create(user=user, kind=Role.Kind.MUNICIPALITY, municipality=self.kagawa_town)
        return user

    @cached_property
    def hokkaido(self):
        return Prefecture.objects.get(code="01")

    @cached_property
    def aomori(self):
        return Prefecture.objects.get(code="02")

    @cached_property
    def sapporo_office(self):
        return Office.objects.get(code="sapporo")

    @cached_property
    def hakodate_office(self):
        return Office.objects.get(code="hakodate")

    @cached_property
    def item_briefing(self):
        return RequestItem.objects.get(code="1-1")

    @cached_property
    def item_relay(self):
        return RequestItem.objects.get(code="0-1")

    def progress(self, municipality, code="1-1"):
        return Progress.objects.get(municipality=municipality, item__code=code)

    def _activity(self, office, municipality, title):
        return activity_create(
            by=None,
            municipalities=[municipality],
            office=office,
            item=self.item_briefing,
            kind="briefing",
            date=self.day,
            title=title,
            summary="",
            files=[SimpleUploadedFile("minutes.pdf", b"%PDF-1.4 test", content_type="application/pdf")],
        )

    @cached_property
    def activity_sapporo(self):
        """An activity of the 札幌 center with 小樽市, with one attachment."""
        return self._activity(self.sapporo_office, self.otaru, "小樽市 職員向け説明会")

    @cached_property
    def activity_hakodate(self):
        return self._activity(self.hakodate_office, self.hakodate_city, "函館市 職員向け説明会")

    @cached_property
    def attachment_sapporo(self):
        return self.activity_sapporo.attachments.get()

    @cached_property
    def attachment_hakodate(self):
        return self.activity_hakodate.attachments.get()

    def _referral(self, municipality):
        return referral_create(
            by=None,
            municipality=municipality,
            received_on=self.day,
            topic="pension",
            agency="日本年金機構",
            summary="年金の手続についての相談（個人情報なし）",
        )

    @cached_property
    def referral_otaru(self):
        return self._referral(self.otaru)

    @cached_property
    def referral_hakodate(self):
        return self._referral(self.hakodate_city)

    @cached_property
    def import_batch_otaru(self):
        """A survey import by the system that moved 小樽市 1-2 to 検討中 (visible to whoever sees 小樽市)."""
        from cooperation.exports import csv_bytes
        from cooperation.survey import HEADER, survey_apply

        content = csv_bytes(HEADER, [("012033", "小樽市", "1-2", "検討中", self.day.isoformat(), "")])
        return survey_apply(content=content, file_name="survey.csv", by=None).batch
