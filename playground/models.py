"""Stored sessions: a PlaygroundSession has panes; each pane holds a thread of runs.

A Run is one request to a model and everything it produced and cost. Runs form a tree through
`parent` (edit-and-resend and regenerate branch from an earlier point); a pane shows the thread
that ends at its `head`. Runs are the cost ledger: once a run has finished, nothing changes it
(RunQuerySet and Run.save refuse). A ShareLink lets anyone holding it watch a session.
"""

from __future__ import annotations

import uuid

from django.db import models
from django.utils import timezone


class PlaygroundSession(models.Model):
    id = models.UUIDField(primary_key=True, default=uuid.uuid4, editable=False)
    # Who may see and change it: "user:<pk>" for a signed-in user, "anon:<hash>" for a browser.
    owner_key = models.CharField(max_length=80, db_index=True)
    title = models.CharField(max_length=200, blank=True)
    created_at = models.DateTimeField(default=timezone.now)  # an import keeps its date
    updated_at = models.DateTimeField(auto_now=True)
    # Compare mode: what the panes share (else each pane keeps its own), and blind judging.
    sync_system = models.BooleanField(default=False)
    sync_params = models.BooleanField(default=False)
    sync_history = models.BooleanField(default=False)
    blind = models.BooleanField(default=False)
    # Last noted while a socket (owner's tab or share viewer, any worker) followed the session:
    # its runs are stopped when nobody has for PLAYGROUND_UNWATCHED_STOP_SECONDS (runs/watchers).
    watched_at = models.DateTimeField(null=True, blank=True)

    class Meta:
        ordering = ["-updated_at"]

    def __str__(self) -> str:
        return self.title or f"Session {self.id}"


class Round(models.Model):
    """One send from the composer: a run per pane (per repetition), all answering one prompt."""

    id = models.UUIDField(primary_key=True, default=uuid.uuid4, editable=False)
    session = models.ForeignKey(PlaygroundSession, on_delete=models.CASCADE, related_name="rounds")
    prompt = models.TextField()
    # The answer judged best among the round's runs (a choice about runs, not a change to one).
    preferred = models.ForeignKey(
        "Run", null=True, blank=True, on_delete=models.SET_NULL, related_name="+"
    )
    repeat = models.PositiveSmallIntegerField(default=1)  # runs per pane (repeat ×k)
    blind = models.BooleanField(default=False)  # model names hidden until a preference is marked
    # A default rather than auto_now_add: copies and imports keep the original times (the
    # order of turns and branches).
    created_at = models.DateTimeField(default=timezone.now)

    class Meta:
        ordering = ["created_at"]

    def __str__(self) -> str:
        return f"Round {self.id}"

    @property
    def names_hidden(self) -> bool:
        return self.blind and self.preferred_id is None


class ShareLink(models.Model):
    """A read-only link to a session. Only the SHA-256 of its token is stored: the link itself is
    shown once, when it is made, and a database dump holds nothing that opens it."""

    id = models.UUIDField(primary_key=True, default=uuid.uuid4, editable=False)
    session = models.ForeignKey(
        PlaygroundSession, on_delete=models.CASCADE, related_name="share_links"
    )
    token_hash = models.CharField(max_length=64, unique=True)
    # How the owner appears to viewers; nothing else about them is shown.
    display_name = models.CharField(max_length=80, blank=True)
    created_at = models.DateTimeField(auto_now_add=True)
    expires_at = models.DateTimeField(null=True, blank=True)
    revoked_at = models.DateTimeField(null=True, blank=True)
    last_viewed_at = models.DateTimeField(null=True, blank=True)
    views = models.PositiveIntegerField(default=0)

    class Meta:
        ordering = ["-created_at"]

    def __str__(self) -> str:
        return f"Share link {self.id}"

    def is_open(self, now=None) -> bool:
        now = now or timezone.now()
        return self.revoked_at is None and (self.expires_at is None or self.expires_at > now)

    @property
    def state(self) -> str:
        if self.revoked_at is not None:
            return "revoked"
        return "active" if self.is_open() else "expired"


class Pane(models.Model):
    session = models.ForeignKey(PlaygroundSession, on_delete=models.CASCADE, related_name="panes")
    position = models.PositiveSmallIntegerField(default=0)
    # A removed pane leaves the page; its runs stay in the session's history, cost and exports.
    archived = models.BooleanField(default=False)
    model_ref = models.CharField(max_length=200)
    dialect = models.CharField(max_length=16, default="chat")
    system = models.TextField(blank=True)
    params = models.JSONField(default=dict, blank=True)
    head = models.ForeignKey(
        "Run", null=True, blank=True, on_delete=models.SET_NULL, related_name="+"
    )
    # When the page last changed the settings (its clock, ms): a save that left the page
    # earlier but arrives later (a debounced save racing the save on reload) changes nothing.
    settings_seq = models.BigIntegerField(default=0)

    class Meta:
        ordering = ["position", "id"]

    def __str__(self) -> str:
        return f"Pane {self.position} ({self.model_ref})"

    @property
    def dom_id(self) -> str:
        """Prefix of every DOM id and form field of this pane, so one page can hold eight."""
        return f"pane-{self.pk}"

    @property
    def prefix(self) -> str:
        return f"p{self.pk}"


class AttachmentManager(models.Manager):
    """A file's bytes stay in the database until read (`attachment.data` loads them): every run
    drawn with its files' names (each final frame) had read whole images and videos."""

    def get_queryset(self) -> models.QuerySet:
        return super().get_queryset().defer("data")


class Attachment(models.Model):
    KINDS = [("image", "Image"), ("video", "Video"), ("document", "Document")]

    id = models.UUIDField(primary_key=True, default=uuid.uuid4, editable=False)
    owner_key = models.CharField(max_length=80, db_index=True)
    kind = models.CharField(max_length=16, choices=KINDS)
    mime = models.CharField(max_length=100)
    name = models.CharField(max_length=255)
    size = models.PositiveIntegerField()
    data = models.BinaryField()
    created_at = models.DateTimeField(auto_now_add=True)

    objects = AttachmentManager()

    def __str__(self) -> str:
        return self.name


class FinishedRunError(Exception):
    """A finished run is a ledger entry: what it asked, answered and cost never changes."""


class RunQuerySet(models.QuerySet):
    """Updates only ever reach runs still streaming (or queued): the guard is part of the SQL, so
    a run that finished meanwhile stays as it ended. A queryset that could touch finished runs
    is refused outright, unless it comes from `active()`, which says so by construction."""

    _active_only = False

    def active(self) -> RunQuerySet:
        narrowed = self.filter(status__in=Run.ACTIVE)
        narrowed._active_only = True
        return narrowed

    def _clone(self):
        clone = super()._clone()
        clone._active_only = self._active_only
        return clone

    def update(self, **fields) -> int:
        if not self._active_only and self.exclude(status__in=Run.ACTIVE).exists():
            raise FinishedRunError("finished runs cannot be updated")
        return super(RunQuerySet, self.filter(status__in=Run.ACTIVE)).update(**fields)

    def spent_here(self) -> RunQuerySet:
        """Runs whose cost was spent on this server by this session's owner: not imported from a
        file, not copied from another session (those were paid for once, elsewhere)."""
        return self.filter(imported=False, copied=False)


class Run(models.Model):
    class Status(models.TextChoices):
        QUEUED = "queued", "Queued"
        STREAMING = "streaming", "Streaming"
        DONE = "done", "Done"
        STOPPED = "stopped", "Stopped"
        FAILED = "failed", "Failed"
        INTERRUPTED = "interrupted", "Interrupted"

    ACTIVE = (Status.QUEUED, Status.STREAMING)

    id = models.UUIDField(primary_key=True, default=uuid.uuid4, editable=False)
    pane = models.ForeignKey(Pane, on_delete=models.CASCADE, related_name="runs")
    parent = models.ForeignKey(
        "self", null=True, blank=True, on_delete=models.SET_NULL, related_name="children"
    )
    round = models.ForeignKey(
        Round, null=True, blank=True, on_delete=models.SET_NULL, related_name="runs"
    )
    prompt = models.TextField()
    attachments = models.ManyToManyField(Attachment, blank=True, related_name="runs")
    # What was asked, frozen at send time.
    provider_id = models.CharField(max_length=100)
    model_id = models.CharField(max_length=200)
    model_name = models.CharField(max_length=200)
    dialect = models.CharField(max_length=16)
    system = models.TextField(blank=True)
    params = models.JSONField(default=dict, blank=True)  # the panel's values
    sent_params = models.JSONField(default=dict, blank=True)  # what was actually sent
    # The HTTP call against the real provider: {"url", "headers", "json"}, with the key replaced
    # by its environment variable's name and attachment data by a placeholder. For "View code".
    request = models.JSONField(default=dict, blank=True)
    # What came back.
    # Runs start streaming as soon as they are stored (the task is created right after).
    status = models.CharField(max_length=16, choices=Status.choices, default=Status.STREAMING)
    finish_reason = models.CharField(max_length=40, blank=True)
    text = models.TextField(blank=True)
    reasoning = models.TextField(blank=True)
    error_kind = models.CharField(max_length=40, blank=True)
    error_message = models.TextField(blank=True)
    error_status = models.PositiveSmallIntegerField(null=True, blank=True)
    provider_message = models.TextField(blank=True)
    # Usage and cost. usage_source: "reported" by the provider, or "estimated" by our token rule.
    input_tokens = models.PositiveIntegerField(null=True, blank=True)
    cached_input_tokens = models.PositiveIntegerField(null=True, blank=True)
    output_tokens = models.PositiveIntegerField(null=True, blank=True)
    reasoning_tokens = models.PositiveIntegerField(null=True, blank=True)
    usage_source = models.CharField(max_length=16, blank=True)
    cost = models.DecimalField(max_digits=20, decimal_places=12, null=True, blank=True)
    cost_estimated = models.BooleanField(default=False)
    reported_cost = models.DecimalField(max_digits=20, decimal_places=12, null=True, blank=True)
    price_snapshot = models.JSONField(default=dict, blank=True)
    estimated_input_tokens = models.PositiveIntegerField(null=True, blank=True)
    # Timing, in milliseconds from the start of the run.
    ttft_ms = models.PositiveIntegerField(null=True, blank=True)
    duration_ms = models.PositiveIntegerField(null=True, blank=True)
    retries = models.PositiveSmallIntegerField(default=0)
    # The worker streaming this run renews the lease; an active run whose lease ran out belongs
    # to a worker that died, and any other worker marks it interrupted.
    lease_until = models.DateTimeField(null=True, blank=True, db_index=True)
    worker = models.CharField(max_length=120, blank=True)  # "host:pid" of the worker streaming it
    # Came from an export file: its cost and price snapshot are as recorded there.
    imported = models.BooleanField(default=False)
    # A copy (Duplicate, Open a copy) of a run of another session: the history it shows was paid
    # for there, so spend and budgets do not count it again.
    copied = models.BooleanField(default=False)
    created_at = models.DateTimeField(default=timezone.now)  # copies keep the original order
    updated_at = models.DateTimeField(auto_now=True)

    objects = RunQuerySet.as_manager()

    class Meta:
        ordering = ["created_at"]

    def __str__(self) -> str:
        return f"Run {self.id} ({self.status})"

    def save(self, *args, **kwargs):
        """New runs are stored freely; a stored run only while it is still active."""
        if not self._state.adding and self._stored_final():
            raise FinishedRunError(f"run {self.pk} has finished and cannot change")
        super().save(*args, **kwargs)

    def _stored_final(self) -> bool:
        return Run.objects.filter(pk=self.pk).exclude(status__in=self.ACTIVE).exists()

    @property
    def is_preferred(self) -> bool:
        return self.round_id is not None and self.round.preferred_id == self.id

    @property
    def is_active(self) -> bool:
        return self.status in self.ACTIVE

    @property
    def tokens_per_second(self) -> float | None:
        """Output tokens over the streaming time (first token to end)."""
        if not self.output_tokens or self.duration_ms is None or self.ttft_ms is None:
            return None
        seconds = (self.duration_ms - self.ttft_ms) / 1000
        return round(self.output_tokens / seconds, 1) if seconds > 0 else None
