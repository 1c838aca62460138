"""Linkage's records: the review queue, merges (and how to undo them), and import key aliases."""

from __future__ import annotations

from django.conf import settings
from django.db import models
from django.db.models import F, Q

from volia.registry.models import ImportBatch, Person


class Candidate(models.Model):
    """Two people who may be one, waiting for a reviewer's decision.

    `left` is the person already in the registry, `right` the newer record (from an import, or
    the higher id in a within-registry run); the pair is stored once whatever its order, so a
    rejected pair is never proposed again.
    """

    STATUSES = [("proposed", "Proposed"), ("accepted", "Accepted"), ("rejected", "Rejected")]
    ORIGINS = [("within", "Within the registry"), ("import", "Import")]
    left = models.ForeignKey(Person, on_delete=models.CASCADE, related_name="+")
    right = models.ForeignKey(Person, on_delete=models.CASCADE, related_name="+")
    low = models.BigIntegerField(help_text="the smaller of the two person ids (uniqueness of the pair)")
    high = models.BigIntegerField(help_text="the larger of the two person ids")
    score = models.FloatField(help_text="match probability from the linkage model")
    features = models.JSONField(default=dict, help_text="comparison levels and what each side said")
    origin = models.CharField(max_length=10, choices=ORIGINS)
    import_batch = models.ForeignKey(ImportBatch, null=True, blank=True, on_delete=models.SET_NULL)
    status = models.CharField(max_length=10, choices=STATUSES, default="proposed")
    created_at = models.DateTimeField()
    decided_by = models.CharField(max_length=150, blank=True)
    decided_user = models.ForeignKey(settings.AUTH_USER_MODEL, null=True, blank=True, on_delete=models.SET_NULL,
                                     related_name="+")
    decided_at = models.DateTimeField(null=True, blank=True)
    reason = models.TextField(blank=True)

    class Meta:
        ordering = ["-score", "id"]
        constraints = [
            models.UniqueConstraint(fields=["low", "high"], name="candidate_pair_unique"),
            models.CheckConstraint(condition=Q(low__lt=F("high")), name="candidate_pair_ordered"),
        ]
        indexes = [models.Index(fields=["status", "score"])]

    def __str__(self) -> str:
        return f"candidate #{self.pk}: person #{self.left_id} ~ #{self.right_id} ({self.score:.3f}, {self.status})"


class Merge(models.Model):
    """One merge of `merged` into `survivor`: exactly what moved, so that it can be undone."""

    survivor = models.ForeignKey(Person, on_delete=models.PROTECT, related_name="merges_survived")
    merged = models.ForeignKey(Person, on_delete=models.PROTECT, related_name="merges_undergone")
    candidate = models.ForeignKey(Candidate, null=True, blank=True, on_delete=models.SET_NULL)
    moved = models.JSONField(default=dict, help_text="ids of the names, events, charges, sentences moved, "
                                                      "groups and source links added, fields filled")
    at = models.DateTimeField()
    actor = models.CharField(max_length=150)
    user = models.ForeignKey(settings.AUTH_USER_MODEL, null=True, blank=True, on_delete=models.SET_NULL,
                             related_name="+")
    reason = models.TextField()
    undone_at = models.DateTimeField(null=True, blank=True)
    undone_by = models.CharField(max_length=150, blank=True)
    undo_reason = models.TextField(blank=True)

    class Meta:
        ordering = ["-at", "-id"]

    def __str__(self) -> str:
        return f"merge #{self.pk}: #{self.merged_id} into #{self.survivor_id}" + (" (undone)" if self.undone_at else "")


class KeyAlias(models.Model):
    """A person key from an import file that was linked to an existing person (`volia import --link auto`).

    Re-importing the file finds the person through the alias, so the import stays idempotent.
    """

    key = models.CharField(max_length=100, unique=True)
    person = models.ForeignKey(Person, on_delete=models.PROTECT, related_name="key_aliases")
    import_batch = models.ForeignKey(ImportBatch, null=True, blank=True, on_delete=models.SET_NULL)
    score = models.FloatField()
    created_at = models.DateTimeField()

    class Meta:
        ordering = ["key"]
        verbose_name_plural = "key aliases"

    def __str__(self) -> str:
        return f"{self.key} → person #{self.person_id}"
