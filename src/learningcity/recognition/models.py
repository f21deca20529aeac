"""Grassroots recognition: people, campaigns, self-assessments with evidence, and certificates."""

from __future__ import annotations

import uuid

from django.conf import settings
from django.db import models
from django.utils.translation import gettext_lazy as _

from learningcity.frameworks.models import FrameworkVersion
from learningcity.territory.models import Unit


class Sex(models.TextChoices):
    FEMALE = "F", _("Female")
    MALE = "M", _("Male")
    OTHER = "X", _("Other / not stated")


class Person(models.Model):
    """A citizen: minimal personal data (Nghị định 13/2023/NĐ-CP on personal data), kept on their unit.

    The ID card number is never stored: only a keyed hash (to match duplicates) and its last four digits (to
    show it masked).
    """

    unit = models.ForeignKey(Unit, on_delete=models.PROTECT, related_name="people")
    full_name = models.CharField(max_length=150)
    # Searched with `contains` (no B-tree helps); matched and sorted through `person_duplicate_key`.
    name_folded = models.CharField(max_length=150, editable=False)
    sex = models.CharField(max_length=1, choices=Sex.choices, default=Sex.OTHER)
    birth_date = models.DateField(null=True, blank=True)
    birth_year = models.PositiveSmallIntegerField(null=True, blank=True)
    ethnicity = models.CharField(max_length=60, blank=True)
    id_number_hash = models.CharField(max_length=64, blank=True)
    id_number_last4 = models.CharField(max_length=4, blank=True)
    phone = models.CharField(max_length=20, blank=True)
    user = models.OneToOneField(
        settings.AUTH_USER_MODEL, null=True, blank=True, on_delete=models.SET_NULL, related_name="person"
    )
    consent_at = models.DateTimeField()
    entered_by = models.ForeignKey(
        settings.AUTH_USER_MODEL, null=True, blank=True, on_delete=models.SET_NULL, related_name="+"
    )
    household = models.ForeignKey(
        "Household", null=True, blank=True, on_delete=models.SET_NULL, related_name="members"
    )
    # Set when an officer merged this record into another (a duplicate); the row stays for the record.
    merged_into = models.ForeignKey(
        "self", null=True, blank=True, on_delete=models.PROTECT, related_name="merged_from", db_index=False
    )
    is_demo = models.BooleanField(default=False)
    created_at = models.DateTimeField(auto_now_add=True)

    class Meta:
        ordering = ["name_folded", "pk"]
        # Only what is looked up, and only the rows that have it: every index is written again for each of
        # the million rows of an import.
        indexes = [
            models.Index(fields=["name_folded", "birth_year", "unit"], name="person_duplicate_key"),
            # Whole, not partial: looked up by a million hashes at once, which the planner cannot prove
            # non-empty.
            models.Index(fields=["id_number_hash"], name="person_id_number"),
            models.Index(
                fields=["merged_into"],
                name="person_merged_into",
                condition=models.Q(merged_into__isnull=False),
            ),
        ]

    def __str__(self) -> str:
        return self.full_name

    @property
    def id_number_masked(self) -> str:
        return f"••••••••{self.id_number_last4}" if self.id_number_last4 else ""


class SubjectKind(models.TextChoices):
    """What a framework assesses (a framework file's `subject`)."""

    PERSON = "person", _("Citizen")
    HOUSEHOLD = "household", _("Household")
    CLAN = "clan", _("Clan")
    COMMUNITY = "community", _("Community")
    ORGANISATION = "organisation", _("Organisation")


class Clan(models.Model):
    """A clan (dòng họ): households that share an ancestor, registered on the unit where it gathers."""

    unit = models.ForeignKey(Unit, on_delete=models.PROTECT, related_name="clans")
    name = models.CharField(max_length=150)
    name_folded = models.CharField(max_length=150, db_index=True, editable=False)
    is_demo = models.BooleanField(default=False)
    created_at = models.DateTimeField(auto_now_add=True)

    class Meta:
        ordering = ["name_folded", "pk"]
        constraints = [
            models.UniqueConstraint(fields=["unit", "name_folded"], name="clan_unique_name_in_unit")
        ]

    def __str__(self) -> str:
        return self.name


class Household(models.Model):
    """A household (hộ gia đình) on a hamlet or commune: its members are people, it may belong to a clan."""

    unit = models.ForeignKey(Unit, on_delete=models.PROTECT, related_name="households")
    name = models.CharField(max_length=150)  # as people say it: "Hộ ông Lò Văn Hùng"
    name_folded = models.CharField(max_length=150, db_index=True, editable=False)
    # The household's own number in the commune's register, when it has one: the natural key for imports.
    register_number = models.CharField(max_length=40, blank=True)
    head = models.ForeignKey(Person, null=True, blank=True, on_delete=models.SET_NULL, related_name="+")
    clan = models.ForeignKey(
        Clan, null=True, blank=True, on_delete=models.SET_NULL, related_name="households"
    )
    is_demo = models.BooleanField(default=False)
    created_at = models.DateTimeField(auto_now_add=True)

    class Meta:
        ordering = ["name_folded", "pk"]
        constraints = [
            models.UniqueConstraint(
                fields=["unit", "register_number"],
                condition=~models.Q(register_number=""),
                name="household_unique_register_number",
            )
        ]

    def __str__(self) -> str:
        return self.name


class OrganisationKind(models.TextChoices):
    AGENCY = "agency", _("Agency or public service unit")
    SCHOOL = "school", _("School")
    ENTERPRISE = "enterprise", _("Enterprise")
    ASSOCIATION = "association", _("Association or mass organisation")
    LEARNING_PROMOTION = "hkh_branch", _("Learning-promotion association branch (Hội Khuyến học)")


class Organisation(models.Model):
    """A learning organisation (đơn vị học tập), or a reviewing body such as a Hội Khuyến học branch."""

    unit = models.ForeignKey(Unit, on_delete=models.PROTECT, related_name="organisations")
    name = models.CharField(max_length=200)
    name_folded = models.CharField(max_length=200, db_index=True, editable=False)
    kind = models.CharField(max_length=20, choices=OrganisationKind.choices)
    is_reviewing_body = models.BooleanField(default=False)
    members = models.ManyToManyField(Person, through="OrganisationMembership", related_name="organisations")
    is_demo = models.BooleanField(default=False)
    created_at = models.DateTimeField(auto_now_add=True)

    class Meta:
        ordering = ["name_folded", "pk"]

    def __str__(self) -> str:
        return self.name


class OrganisationMembership(models.Model):
    organisation = models.ForeignKey(Organisation, on_delete=models.CASCADE, related_name="memberships")
    person = models.ForeignKey(Person, on_delete=models.CASCADE, related_name="organisation_memberships")
    position = models.CharField(max_length=100, blank=True)

    class Meta:
        constraints = [
            models.UniqueConstraint(fields=["organisation", "person"], name="organisation_member_unique")
        ]

    def __str__(self) -> str:
        return f"{self.person} @ {self.organisation}"


class Campaign(models.Model):
    """A yearly recognition campaign: a year × a territory × a set of framework versions, with deadlines."""

    name = models.CharField(max_length=200)
    year = models.PositiveSmallIntegerField()
    territory = models.ForeignKey(Unit, on_delete=models.PROTECT, related_name="campaigns")
    frameworks = models.ManyToManyField(
        FrameworkVersion, through="CampaignFramework", related_name="campaigns"
    )
    opens_on = models.DateField()
    submission_deadline = models.DateField()
    review_deadline = models.DateField()
    created_by = models.ForeignKey(
        settings.AUTH_USER_MODEL, null=True, blank=True, on_delete=models.SET_NULL, related_name="+"
    )
    is_demo = models.BooleanField(default=False)
    created_at = models.DateTimeField(auto_now_add=True)

    class Meta:
        ordering = ["-year", "name"]

    def __str__(self) -> str:
        return f"{self.name} ({self.year})"


class CampaignFramework(models.Model):
    """A framework in a campaign, with its own deadlines (when they differ) and target rate."""

    campaign = models.ForeignKey(Campaign, on_delete=models.CASCADE, related_name="campaign_frameworks")
    framework_version = models.ForeignKey(FrameworkVersion, on_delete=models.PROTECT, related_name="+")
    submission_deadline = models.DateField(null=True, blank=True)
    review_deadline = models.DateField(null=True, blank=True)
    # Share of subjects to recognise, e.g. 0.70 learning families by 2025 (QĐ 387/QĐ-TTg); with its source.
    target_rate = models.DecimalField(max_digits=5, decimal_places=4, null=True, blank=True)
    target_source = models.CharField(max_length=200, blank=True)

    class Meta:
        constraints = [
            models.UniqueConstraint(
                fields=["campaign", "framework_version"], name="campaign_framework_unique"
            ),
            models.CheckConstraint(
                condition=models.Q(target_rate__isnull=True)
                | models.Q(target_rate__gte=0, target_rate__lte=1),
                name="campaign_framework_target_is_a_rate",
            ),
        ]

    def __str__(self) -> str:
        return f"{self.campaign} · {self.framework_version}"


class Status(models.TextChoices):
    DRAFT = "draft", _("Draft")
    SUBMITTED = "submitted", _("Submitted, in review")
    RETURNED = "returned", _("Returned for changes")
    REJECTED = "rejected", _("Rejected")
    APPROVED = "approved", _("Approved")
    RECOGNISED = "recognised", _("Recognised")
    APPEALED = "appealed", _("Rejection appealed")
    REVOKED = "revoked", _("Recognition revoked")


# The assessment field that holds each kind of subject.
SUBJECT_FIELDS: dict[str, str] = {
    SubjectKind.PERSON: "person",
    SubjectKind.HOUSEHOLD: "household",
    SubjectKind.CLAN: "clan",
    SubjectKind.ORGANISATION: "organisation",
    SubjectKind.COMMUNITY: "community",
}
# What reading assessments joins for their subjects. A list joins every kind (nullable outer joins: no query
# per row); one assessment joins only its own kind's, since a dozen outer joins take PostgreSQL longer to plan
# than to run.
SUBJECT_RELATED = ("person", "household__head", "clan", "organisation", "community")
SUBJECT_RELATED_OF_KIND: dict[str, tuple[str, ...]] = {
    SubjectKind.PERSON: ("person",),
    SubjectKind.HOUSEHOLD: ("household__head", "household__unit"),
    SubjectKind.CLAN: ("clan__unit",),
    SubjectKind.ORGANISATION: ("organisation__unit",),
    SubjectKind.COMMUNITY: ("community",),
}


def _exactly_one_subject() -> models.Q:
    condition = models.Q(pk__in=[])
    for kind, field in SUBJECT_FIELDS.items():
        others = {f"{other}__isnull": True for other in SUBJECT_FIELDS.values() if other != field}
        condition |= models.Q(subject_kind=kind, **{f"{field}__isnull": False}, **others)
    return condition


# The statuses in which the subject's side may still change the answers and submit.
EDITABLE_STATUSES = (Status.DRAFT, Status.RETURNED)


class Assessment(models.Model):
    """One subject's self-assessment in a campaign against one framework version, with its stored result.

    The result is computed by the rule engine whenever the answers change, so no later job re-scores.
    `unit` is the unit the record was made on; reports restate it on today's tree.
    """

    # Looked up through the (campaign, framework version, status) index.
    campaign = models.ForeignKey(
        Campaign, on_delete=models.PROTECT, related_name="assessments", db_index=False
    )
    framework_version = models.ForeignKey(
        FrameworkVersion, on_delete=models.PROTECT, related_name="assessments"
    )
    # The subject: exactly one of these, as `subject_kind` says (a database constraint holds it).
    subject_kind = models.CharField(max_length=12, choices=SubjectKind.choices, default=SubjectKind.PERSON)
    person = models.ForeignKey(
        Person, null=True, blank=True, on_delete=models.PROTECT, related_name="assessments"
    )
    household = models.ForeignKey(
        Household, null=True, blank=True, on_delete=models.PROTECT, related_name="assessments", db_index=False
    )
    clan = models.ForeignKey(
        Clan, null=True, blank=True, on_delete=models.PROTECT, related_name="assessments", db_index=False
    )
    organisation = models.ForeignKey(
        Organisation,
        null=True,
        blank=True,
        on_delete=models.PROTECT,
        related_name="assessments",
        db_index=False,
    )
    # A learning community is a hamlet (TT 25/2023: thôn, tổ dân phố) or a commune: the unit itself.
    community = models.ForeignKey(
        Unit,
        null=True,
        blank=True,
        on_delete=models.PROTECT,
        related_name="community_assessments",
        db_index=False,
    )
    unit = models.ForeignKey(Unit, on_delete=models.PROTECT, related_name="assessments")
    group = models.CharField(max_length=20, blank=True)
    answers = models.JSONField(default=dict, blank=True)
    notes = models.JSONField(default=dict, blank=True)  # evidence described in words, per input
    score = models.FloatField(null=True, blank=True)
    level = models.CharField(max_length=40, blank=True)
    result = models.JSONField(default=dict, blank=True)
    # Values computed from the members' results (roll-up rules), as used for `result`.
    rollups = models.JSONField(default=dict, blank=True)
    status = models.CharField(max_length=12, choices=Status.choices, default=Status.DRAFT)
    review_stage = models.CharField(max_length=20, blank=True)
    entered_on_behalf = models.BooleanField(default=False)
    entered_by = models.ForeignKey(
        settings.AUTH_USER_MODEL, null=True, blank=True, on_delete=models.SET_NULL, related_name="+"
    )
    submitted_at = models.DateTimeField(null=True, blank=True)
    decided_at = models.DateTimeField(null=True, blank=True)
    last_reason = models.TextField(blank=True)
    created_at = models.DateTimeField(auto_now_add=True)
    updated_at = models.DateTimeField(auto_now=True)

    class Meta:
        constraints = [
            *(
                models.UniqueConstraint(
                    fields=["campaign", "framework_version", field],
                    condition=models.Q(**{f"{field}__isnull": False}),
                    name=f"assessment_one_{field}_per_campaign",
                )
                for field in SUBJECT_FIELDS
            ),
            models.CheckConstraint(
                condition=_exactly_one_subject(),
                name="assessment_has_exactly_its_subject",
            ),
        ]
        # Only what is looked up, and the subjects other than people only where set: every index is written
        # again for each of the million rows of an import. (Their unique constraints above start with the
        # campaign: these serve the subject's own page.)
        indexes = [
            models.Index(fields=["campaign", "framework_version", "status"]),
            models.Index(fields=["status"], name="assessment_status"),
            models.Index(fields=["review_stage"], name="assessment_review_stage"),
            *(
                models.Index(
                    fields=[field],
                    name=f"assessment_{field}",
                    condition=models.Q(**{f"{field}__isnull": False}),
                )
                for field in ("household", "clan", "organisation", "community")
            ),
        ]
        ordering = ["-updated_at", "pk"]

    def __str__(self) -> str:
        return f"{self.subject} · {self.framework_version} · {self.campaign.year}"

    @property
    def subject(self) -> Person | Household | Clan | Organisation | Unit:
        return getattr(self, SUBJECT_FIELDS[self.subject_kind])  # type: ignore[no-any-return]

    @property
    def subject_name(self) -> str:
        subject = self.subject
        return subject.full_name if isinstance(subject, Person) else subject.name

    @property
    def is_editable(self) -> bool:
        return self.status in EDITABLE_STATUSES


class ReceiptState(models.TextChoices):
    PENDING = "pending", _("Received, waiting to be applied")
    APPLIED = "applied", _("Applied: sent for review")
    REFUSED = "refused", _("Refused: the answers kept as a draft")


class SubmissionReceipt(models.Model):
    """A submission received through the API's intake and answered at once with this receipt; the worker
    applies the waiting receipts a batch at a time, set-wise (`services.intake`).

    The rights and the answers' types are checked on receipt; what needs the stored record (every answer
    given, the evidence, the deadline, the review stages) when it is applied. A refused submission keeps its
    answers on the draft, as the form does, and the receipt says why.
    """

    assessment = models.ForeignKey(Assessment, on_delete=models.PROTECT, related_name="receipts")
    actor = models.ForeignKey(settings.AUTH_USER_MODEL, on_delete=models.PROTECT, related_name="+")
    # The answers and notes wait here until applied, then live on the assessment only (emptied here).
    answers = models.JSONField(default=dict)  # typed as the framework declares, checked on receipt
    group = models.CharField(max_length=20, null=True, blank=True)  # null: the assessment's group stays
    notes = models.JSONField(null=True, blank=True)  # null: the assessment's notes stay
    state = models.CharField(max_length=10, choices=ReceiptState.choices, default=ReceiptState.PENDING)
    reason = models.TextField(blank=True)
    received_at = models.DateTimeField(auto_now_add=True)
    applied_at = models.DateTimeField(null=True, blank=True)

    class Meta:
        # The worker reads the waiting ones in the order they came; the rest are read one by one.
        indexes = [
            models.Index(
                fields=["id"], name="receipt_pending", condition=models.Q(state=ReceiptState.PENDING)
            )
        ]

    def __str__(self) -> str:
        return f"{self.pk} · {self.assessment_id} · {self.state}"


def evidence_path(instance: Evidence, filename: str) -> str:
    # Random names: nothing about the person or the original name leaks into the storage path.
    return f"evidence/{instance.assessment_id}/{uuid.uuid4().hex}"


class Evidence(models.Model):
    assessment = models.ForeignKey(Assessment, on_delete=models.CASCADE, related_name="evidence")
    input_code = models.CharField(max_length=63)
    file = models.FileField(upload_to=evidence_path, max_length=200)
    original_name = models.CharField(max_length=200)
    content_type = models.CharField(max_length=100)
    size = models.PositiveIntegerField()
    sha256 = models.CharField(max_length=64)
    uploaded_by = models.ForeignKey(
        settings.AUTH_USER_MODEL, null=True, on_delete=models.SET_NULL, related_name="+"
    )
    uploaded_at = models.DateTimeField(auto_now_add=True)

    class Meta:
        ordering = ["input_code", "uploaded_at"]

    def __str__(self) -> str:
        return self.original_name


class Certificate(models.Model):
    """Issued when an assessment is recognised; the public check shows only the snapshot fields."""

    assessment = models.OneToOneField(Assessment, on_delete=models.PROTECT, related_name="certificate")
    code = models.CharField(max_length=16, unique=True)
    holder_name = models.CharField(max_length=150)
    unit_name = models.CharField(max_length=300)
    title_vi = models.CharField(max_length=200)
    title_en = models.CharField(max_length=200)
    year = models.PositiveSmallIntegerField()
    issued_at = models.DateTimeField(auto_now_add=True)
    issued_by = models.ForeignKey(
        settings.AUTH_USER_MODEL, null=True, on_delete=models.SET_NULL, related_name="+"
    )
    decision = models.ForeignKey(
        "RecognitionDecision", null=True, blank=True, on_delete=models.PROTECT, related_name="certificates"
    )
    revoked_at = models.DateTimeField(null=True, blank=True)

    def __str__(self) -> str:
        return self.code


class RecognitionDecision(models.Model):
    """A numbered recognition decision (quyết định công nhận) issued by the competent unit for one framework.

    It lists exactly the assessments it recognises; their certificates are printed from it in one batch.
    """

    campaign = models.ForeignKey(Campaign, on_delete=models.PROTECT, related_name="decisions")
    framework_version = models.ForeignKey(FrameworkVersion, on_delete=models.PROTECT, related_name="+")
    issuing_unit = models.ForeignKey(Unit, on_delete=models.PROTECT, related_name="recognition_decisions")
    sequence = models.PositiveIntegerField()  # per issuing unit and year
    number = models.CharField(max_length=60)  # as printed, e.g. "12/QĐ-UBND"
    issued_on = models.DateField()
    signer_name = models.CharField(max_length=150)
    signer_title = models.CharField(max_length=150)
    assessments = models.ManyToManyField(Assessment, through="DecisionItem", related_name="decisions")
    created_by = models.ForeignKey(
        settings.AUTH_USER_MODEL, null=True, on_delete=models.SET_NULL, related_name="+"
    )
    created_at = models.DateTimeField(auto_now_add=True)

    class Meta:
        ordering = ["-issued_on", "-sequence"]
        constraints = [
            models.UniqueConstraint(
                fields=["issuing_unit", "campaign", "sequence"], name="decision_unique_sequence"
            )
        ]

    def __str__(self) -> str:
        return self.number


class DecisionItem(models.Model):
    decision = models.ForeignKey(RecognitionDecision, on_delete=models.PROTECT, related_name="items")
    # An assessment is recognised by one decision at most.
    assessment = models.OneToOneField(Assessment, on_delete=models.PROTECT, related_name="decision_item")
    position = models.PositiveIntegerField()

    class Meta:
        ordering = ["decision", "position"]

    def __str__(self) -> str:
        return f"{self.decision} #{self.position}"


class ImportJob(models.Model):
    """One uploaded file on its way in: checked (dry run), then stored all at once, or cancelled.

    The task that works on it updates the counts in short transactions, so the page and the command line show
    progress; a cancel request is read between chunks. The file and the workbook of bad rows are kept in
    private storage (never under the web root) and served only to the user who uploaded them.
    """

    class State(models.TextChoices):
        QUEUED = "queued", _("Waiting to be checked")
        CHECKING = "checking", _("Checking")
        CHECKED = "checked", _("Checked")
        COMMITTING = "committing", _("Storing")
        DONE = "done", _("Stored")
        FAILED = "failed", _("Failed")
        CANCELLED = "cancelled", _("Cancelled")

    id = models.UUIDField(primary_key=True, default=uuid.uuid4, editable=False)
    created_by = models.ForeignKey(settings.AUTH_USER_MODEL, on_delete=models.PROTECT, related_name="+")
    campaign = models.ForeignKey(Campaign, on_delete=models.PROTECT, related_name="imports")
    framework_version = models.ForeignKey(FrameworkVersion, on_delete=models.PROTECT, related_name="+")
    original_name = models.CharField(max_length=255)
    stored_name = models.CharField(max_length=255)  # in private storage
    size = models.BigIntegerField(default=0)
    state = models.CharField(max_length=12, choices=State.choices, default=State.QUEUED)
    # The file's reason for being refused as a whole (not a spreadsheet, over the limit, legacy encoding…).
    message = models.TextField(blank=True)
    rows_total = models.PositiveIntegerField(default=0)
    rows_done = models.PositiveIntegerField(default=0)  # rows read (checking) or stored (committing)
    rows_bad = models.PositiveIntegerField(default=0)
    errors_total = models.PositiveIntegerField(default=0)
    # The first errors (row, column, value, reason) for the page; all of them are in the errors workbook.
    errors_preview = models.JSONField(default=list, blank=True)
    errors_name = models.CharField(max_length=255, blank=True)  # the errors workbook, in private storage
    # What the commit would do (dry run) or did: {"created": {...kind: n}, "updated": {...}, "unchanged": n}.
    counts = models.JSONField(default=dict, blank=True)
    cancel_requested = models.BooleanField(default=False)
    step = models.CharField(max_length=40, blank=True)  # what the task is doing now, for the progress line
    language = models.CharField(max_length=8, default="vi")  # reasons are written in the uploader's language
    created_at = models.DateTimeField(auto_now_add=True)
    updated_at = models.DateTimeField(auto_now=True)
    finished_at = models.DateTimeField(null=True, blank=True)

    class Meta:
        ordering = ["-created_at"]

    def __str__(self) -> str:
        return f"{self.original_name} ({self.get_state_display()})"

    # The steps of a job as the progress line names them (the task records the key).
    STEP_LABELS = {
        "reading": _("reading the file"),
        "values": _("checking the values"),
        "units": _("finding the communes and hamlets"),
        "duplicates": _("looking for duplicates and stored records"),
        "storing": _("scoring the rows"),
        "loading": _("writing the rows to the database"),
    }

    @property
    def step_label(self) -> str:
        return str(self.STEP_LABELS.get(self.step, self.step))

    @property
    def progress(self) -> int:
        """Percent of the rows of the current step done."""
        return min(100, round(100 * self.rows_done / self.rows_total)) if self.rows_total else 0
