"""Store the checked rows of a file: all of them in one short transaction, or none.

Two phases. Preparing takes no lock and writes nothing to the database: a chunk of rows at a time, the rule
engine scores the whole chunk at once and what is to be written is laid out as frames shaped like their
tables (new subjects, new assessments, changed assessments and the audit entries of their changes), kept in
Parquet files so that memory holds one chunk, not the file. Loading is one transaction that moves those
frames in set-wise (`learningcity.bulk`: COPY into a staging table on PostgreSQL, executemany on SQLite), so
on SQLite other users' writes wait only for the load, not for the whole import. Cancelling or a crash rolls
the transaction back: nothing of the file stays.

A row with every answer is submitted to its first review stage, as a paper form collected by the commune
would be; a row with answers missing is kept as a draft entered on the subject's behalf, to be completed on
the web. A re-imported row whose answers, evidence notes and group are unchanged is left as it is.
"""

from __future__ import annotations

import json
import tempfile
from collections.abc import Callable
from dataclasses import dataclass
from pathlib import Path
from typing import Any

import polars as pl
from django.db import transaction
from django.db.models import TextField
from django.db.models.functions import Cast
from django.utils import timezone

from learningcity import bulk
from learningcity.accounts.models import AuditEntry, User
from learningcity.accounts.services import audit_append
from learningcity.frameworks.models import FrameworkVersion
from learningcity.frameworks.selectors import framework_compiled
from learningcity.territory.models import Unit

from ..models import (
    SUBJECT_FIELDS,
    Assessment,
    Campaign,
    Clan,
    Household,
    Organisation,
    Person,
    Status,
    SubjectKind,
)
from ..services import events
from ..services.assessments import review_chain, unit_levels
from ..services.rollups import rollups_refresh
from ..services.scoring import input_of, scored
from .checking import Checked
from .columns import Column

CHUNK = 100_000  # rows prepared, then loaded, at a time (between two looks at the cancel button)
MODELS: dict[str, Any] = {
    SubjectKind.PERSON: Person,
    SubjectKind.HOUSEHOLD: Household,
    SubjectKind.CLAN: Clan,
    SubjectKind.ORGANISATION: Organisation,
}
# What a re-imported row may change on a stored assessment that is not decided yet.
UPDATED = ("answers", "notes", "group", "result", "level", "score", "status", "review_stage", "submitted_at")


class ImportCancelled(Exception):
    """The user cancelled the import while it was being stored; the transaction is rolled back."""


@dataclass
class Prepared:
    """What a chunk of a file writes, as frames shaped like their tables."""

    subjects: pl.DataFrame  # new subjects, with `key` (their natural key) to link their assessments
    assessments: pl.DataFrame  # every good row: its assessment's columns, `assessment_id`, `key`, `changed`
    audit: pl.DataFrame  # the audit entries of the changed assessments, as rows of their table

    PARTS = ("subjects", "assessments", "audit")

    def spill(self, folder: Path) -> Path:
        """Written to Parquet files in `folder`, so that memory need not hold every chunk at once."""
        folder.mkdir()
        for name in self.PARTS:
            getattr(self, name).write_parquet(folder / f"{name}.parquet")
        return folder

    @classmethod
    def read(cls, folder: Path) -> Prepared:
        return cls(*(pl.read_parquet(folder / f"{name}.parquet") for name in cls.PARTS))


# --------------------------------------------------------------------------------------------------------
# Scoring


def _first_stages(version: FrameworkVersion, unit_ids: list[int]) -> pl.DataFrame:
    """(unit_id, stage): the first review stage of the framework's chain for a subject on each unit."""
    levels = unit_levels(Unit.objects.filter(pk__in=unit_ids).only("pk", "path"))
    rows = [(pk, next(iter(review_chain(version, found)), "")) for pk, found in levels.items()]
    return pl.DataFrame(rows, schema={"unit_id": pl.Int64, "stage": pl.String}, orient="row")


def _answers(columns: list[Column]) -> list[pl.Expr]:
    """Each answer typed as the engine declares it, named by its input code."""
    return [pl.col(f"v.{c.key}").alias(c.input_code) for c in columns if c.key.startswith("answer.")]


def _json_without_nulls(fields: list[pl.Expr]) -> pl.Expr:
    """A JSON object of the non-null fields (the form stores only what was answered). Polars writes nulls
    as `"code":null`; input codes are plain identifiers, so removing those members is exact."""
    if not fields:
        return pl.lit("{}")
    encoded = pl.struct(fields).struct.json_encode()
    return encoded.str.replace_all(r'"[\w.]+":null,?', "").str.replace(r",\}$", "}")


def _scored(checked: Checked, good: pl.DataFrame) -> pl.DataFrame:
    """(row, result, level, score) of every row of `good`, scored as one frame."""
    frame = good.select(
        pl.col("row"), pl.col("unit_id"), pl.col("v.group").alias("group"), *_answers(checked.columns)
    )
    return scored(checked.version, frame, "row")


def _group_column(good: pl.DataFrame) -> pl.Expr:
    return pl.col("v.group").fill_null("") if "v.group" in good.columns else pl.lit("").alias("v.group")


# --------------------------------------------------------------------------------------------------------
# What to write


def _new_subjects(checked: Checked, good: pl.DataFrame, user: User, now: str) -> pl.DataFrame:
    """The subjects the file names for the first time, one per natural key, as rows of their table (a key is
    on one row of a file without errors, so within one chunk)."""
    kind = checked.version.subject
    if kind == SubjectKind.COMMUNITY:
        return pl.DataFrame()
    new = good.filter(pl.col("subject_id").is_null()).unique(
        subset=["key"], keep="first", maintain_order=True
    )
    common = {"unit_id": pl.col("unit_id"), "name_folded": pl.col("name_folded")}
    values: dict[str, pl.Expr]
    if kind == SubjectKind.PERSON:
        values = {
            **common,
            "full_name": pl.col("v.full_name"),
            "sex": pl.col("v.sex").fill_null("X"),
            "birth_date": pl.col("v.birth_date"),
            "birth_year": pl.col("y.birth_date"),
            "ethnicity": pl.col("v.ethnicity").fill_null(""),
            "id_number_hash": pl.col("id_hash").fill_null(""),
            "id_number_last4": pl.col("v.id_number").str.slice(-4).fill_null(""),
            "consent_at": pl.lit(now),  # the uploader confirmed the signed forms
            "entered_by_id": pl.lit(user.pk),
        }
    elif kind == SubjectKind.HOUSEHOLD:
        values = {**common, "name": pl.col("v.name"), "register_number": pl.col("v.register_number")}
    elif kind == SubjectKind.CLAN:
        values = {**common, "name": pl.col("v.name")}
    else:
        values = {**common, "name": pl.col("v.name"), "kind": pl.col("v.kind")}
    return new.select(pl.col("key"), *bulk.table_columns(MODELS[kind], values, now=now, skip=("id",)))


def _stored(checked: Checked, good: pl.DataFrame) -> pl.DataFrame:
    """(assessment_id, old answers, old notes, old group) of the assessments the rows change, the JSON
    decoded with the file's own types so that the two compare value for value."""
    ids = good.get_column("assessment_id").drop_nulls().unique().sort().to_list()
    answer_types = {
        c.input_code: good.schema[f"v.{c.key}"] for c in checked.columns if c.key.startswith("answer.")
    }
    note_types = {c.input_code: pl.String for c in checked.columns if c.key.startswith("note.")}
    stored = bulk.read_frame(
        Assessment.objects.filter(pk__in=bulk.values_in(ids))
        .annotate(answers_text=Cast("answers", TextField()), notes_text=Cast("notes", TextField()))
        .values_list("pk", "answers_text", "notes_text", "group"),
        {
            "assessment_id": pl.Int64,
            "old_answers": pl.String,
            "old_notes": pl.String,
            "old_group": pl.String,
        },
    )
    return stored.with_columns(
        pl.col("old_answers").str.json_decode(pl.Struct(answer_types)).alias("old_answer_values")
        if answer_types
        else pl.lit(None).alias("old_answer_values"),
        pl.col("old_notes").str.json_decode(pl.Struct(note_types)).alias("old_note_values")
        if note_types
        else pl.lit(None).alias("old_note_values"),
    )


def prepare(
    checked: Checked, good: pl.DataFrame, *, user: User, campaign: Campaign, original_name: str, now: str
) -> Prepared:
    """Score the good rows `good` (all or a chunk of `checked.good`) and lay out what they write. Reads
    only."""
    version = checked.version
    kind = version.subject
    good = good.with_columns(_group_column(good))
    results = _scored(checked, good)
    stages = _first_stages(version, good.get_column("unit_id").unique().to_list())

    answer_columns = [c for c in checked.columns if c.key.startswith("answer.")]
    note_columns = [c for c in checked.columns if c.key.startswith("note.")]
    answers = [
        (
            pl.col(f"v.{c.key}").cast(pl.Int64)
            if input_of(version, c.input_code)["type"] == "int"
            else pl.col(f"v.{c.key}")
        ).alias(c.input_code)
        for c in answer_columns
    ]
    notes = [pl.col(c.key).alias(c.input_code) for c in note_columns]
    complete = (
        pl.all_horizontal([pl.col(f"v.{c.key}").is_not_null() for c in answer_columns])
        if answer_columns
        else pl.lit(True)
    )
    status = (
        pl.when(~complete)
        .then(pl.lit(Status.DRAFT.value))
        .when(pl.col("stage") != "")
        .then(pl.lit(Status.SUBMITTED.value))
        .otherwise(pl.lit(Status.APPROVED.value))
    )
    rows = (
        good.join(results, on="row", how="left", maintain_order="left")
        .join(stages, on="unit_id", how="left", maintain_order="left")
        .with_columns(
            _json_without_nulls(answers).alias("answers"),
            _json_without_nulls(notes).alias("notes"),
            pl.struct(answers).alias("answer_values") if answers else pl.lit(None).alias("answer_values"),
            pl.struct(notes).alias("note_values") if notes else pl.lit(None).alias("note_values"),
            status.alias("status"),
        )
        .with_columns(
            pl.when(pl.col("status") == Status.SUBMITTED.value)
            .then(pl.col("stage"))
            .otherwise(pl.lit(""))
            .alias("review_stage"),
            pl.when(pl.col("status") != Status.DRAFT.value)
            .then(pl.lit(now))
            .otherwise(pl.lit(None))
            .alias("submitted_at"),
        )
    )
    # A stored assessment changes only when its answers, notes or group do (compared value for value).
    stored = _stored(checked, good)
    rows = rows.join(stored, on="assessment_id", how="left", maintain_order="left").with_columns(
        (
            pl.col("assessment_id").is_not_null()
            & ~(
                pl.col("answer_values").eq_missing(pl.col("old_answer_values"))
                & pl.col("note_values").eq_missing(pl.col("old_note_values"))
                & pl.col("v.group").eq_missing(pl.col("old_group"))
            )
        ).alias("changed")
    )
    field_name = SUBJECT_FIELDS[kind]
    values = {
        "campaign_id": pl.lit(campaign.pk),
        "framework_version_id": pl.lit(version.pk),
        "subject_kind": pl.lit(str(kind)),
        f"{field_name}_id": pl.col("subject_id") if kind != SubjectKind.COMMUNITY else pl.col("unit_id"),
        "unit_id": pl.col("unit_id"),
        "group": pl.col("v.group"),
        "answers": pl.col("answers"),
        "notes": pl.col("notes"),
        "score": pl.col("score"),
        "level": pl.col("level"),
        "result": pl.col("result"),
        "status": pl.col("status"),
        "review_stage": pl.col("review_stage"),
        "entered_on_behalf": pl.lit(True),
        "entered_by_id": pl.lit(user.pk),
        "submitted_at": pl.col("submitted_at"),
    }
    assessments = rows.select(
        pl.col("assessment_id"),
        pl.col("key"),
        pl.col("changed"),
        *bulk.table_columns(Assessment, values, now=now, skip=("id",)),
    )
    data = pl.concat_str(
        [
            pl.lit('{"file":' + json.dumps(original_name, ensure_ascii=False) + ',"before":{"answers":'),
            pl.col("old_answers"),
            pl.lit(',"notes":'),
            pl.col("old_notes"),
            pl.lit(',"group":'),
            _json_value(pl.col("old_group")),
            pl.lit('},"after":{"answers":'),
            pl.col("answers"),
            pl.lit(',"notes":'),
            pl.col("notes"),
            pl.lit("}}"),
        ]
    )
    audit = rows.filter(pl.col("changed")).select(
        bulk.table_columns(
            AuditEntry,
            {
                "actor_id": pl.lit(user.pk),
                "action": pl.lit("assessment.import_update"),
                "object_type": pl.lit(Assessment._meta.label_lower),
                "object_id": pl.col("assessment_id").cast(pl.String),
                "unit_id": pl.col("unit_id"),
                "data": data,
            },
            now=now,
            skip=("id",),
        )
    )
    return Prepared(_new_subjects(checked, good, user, now), assessments, audit)


def _json_value(text: pl.Expr) -> pl.Expr:
    """A text column as JSON strings, escaped by Polars' own encoder (through a one-field object)."""
    return pl.struct(text.alias("v")).struct.json_encode().str.strip_prefix('{"v":').str.strip_suffix("}")


# --------------------------------------------------------------------------------------------------------
# Loading


def store(
    checked: Checked,
    *,
    user: User,
    campaign: Campaign,
    original_name: str,
    cancelled: Callable[[], bool] = lambda: False,
    say: Callable[[str], None] = lambda _step: None,
    progress: Callable[[int], None] = lambda _done: None,
) -> dict[str, int]:
    """Store every good row of a file that has no error; returns what was done. All or nothing.

    `say` names the step ("storing": scoring and laying out, then "loading": the transaction) and
    `progress` counts the rows done in it.
    """
    if not checked.ok:
        raise ValueError("A file with errors is never stored.")
    now = bulk.now_text(timezone.now())
    # The cells as written are no longer needed (their typed values are stored), except the evidence notes:
    # let them go before the rows are laid out.
    written = [c.key for c in checked.columns if not c.key.startswith("note.")]
    checked.good = good = checked.good.drop(written, "hamlet_folded", strict=False)
    with tempfile.TemporaryDirectory(prefix="import-") as scratch:
        say("storing")
        parts: list[Path] = []
        for offset in range(0, good.height, CHUNK):
            chunk = good.slice(offset, CHUNK)
            prepared = prepare(
                checked, chunk, user=user, campaign=campaign, original_name=original_name, now=now
            )
            parts.append(prepared.spill(Path(scratch) / str(len(parts))))
            progress(offset + chunk.height)
            if cancelled():
                raise ImportCancelled
        say("loading")
        with transaction.atomic():
            counts = dict.fromkeys(
                ("rows", "new_subjects", "new_assessments", "updated_assessments", "unchanged", "submitted"),
                0,
            )
            for folder in parts:
                done = _load(Prepared.read(folder), checked.version)
                counts = {name: counts[name] + done[name] for name in counts}
                progress(counts["rows"])
                if cancelled():
                    raise ImportCancelled
            version = checked.version
            if framework_compiled(version).rollups:
                rollups_refresh(campaign=campaign, version=version)
            audit_append(
                actor=user,
                action="import.commit",
                obj=campaign,
                unit=campaign.territory,
                data={"file": original_name, "framework": str(version), **counts},
            )
            events.records_changed(campaign.pk)
        bulk.analyse(MODELS[checked.version.subject], Assessment)
    return counts


def _load(prepared: Prepared, version: FrameworkVersion) -> dict[str, int]:
    """Write one prepared chunk, inside the caller's transaction; what it wrote."""
    kind = version.subject
    subject_column = f"{SUBJECT_FIELDS[kind]}_id"
    assessments = prepared.assessments
    new = assessments.filter(pl.col("assessment_id").is_null())
    changed = assessments.filter(pl.col("changed"))
    subjects = prepared.subjects
    if subjects.height:
        model = MODELS[kind]
        subjects = subjects.with_columns(bulk.next_ids(model, subjects.height))
        bulk.insert(model, subjects.drop("key"))
        links = subjects.select(pl.col("key"), pl.col("id").alias("new_subject_id"))
        new = new.join(links, on="key", how="left", maintain_order="left").with_columns(
            pl.coalesce(subject_column, "new_subject_id").alias(subject_column)
        )
    bulk.insert(Assessment, new.select(assessments.columns[3:]))
    bulk.update(Assessment, changed.select(pl.col("assessment_id").alias("id"), *UPDATED, "updated_at"))
    bulk.insert(AuditEntry, prepared.audit)
    written = pl.concat([new.select("status"), changed.select("status")])
    return {
        "rows": assessments.height,
        "new_subjects": subjects.height,
        "new_assessments": new.height,
        "updated_assessments": changed.height,
        "unchanged": assessments.height - new.height - changed.height,
        "submitted": written.filter(pl.col("status") != Status.DRAFT.value).height,
    }
