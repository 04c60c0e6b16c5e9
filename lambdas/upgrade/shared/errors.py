"""Named exceptions: the state machine retries and catches on these class names.

Transient errors (retried by the ASL with backoff) derive from ``TransientError``;
everything else ends the workflow through the notify-then-clean-up path.
"""

from __future__ import annotations


class UpgradeError(Exception):
    """Base of every error the workflow raises on purpose."""


class TransientError(UpgradeError):
    """Worth retrying: the world may be different in a few seconds."""


class AwsThrottled(TransientError):
    """AWS kept throttling after botocore's own retries."""


class ClusterBusy(TransientError):
    """The cluster or an instance is in a state that refuses the call right now."""


class SwitchoverNotReady(TransientError):
    """RDS refused the switchover of an AVAILABLE deployment for now (it does so for a while after AVAILABLE)."""


class InvalidUpgradeInput(UpgradeError):
    """The execution input is malformed: a field is missing, extra or of the wrong type."""


class ClusterNotFound(UpgradeError):
    """No cluster with the given identifier."""


class UnsupportedCluster(UpgradeError):
    """The cluster is not something this workflow can upgrade (engine, mode, settings)."""


class ClusterNotReady(UpgradeError):
    """The cluster is not in a state to start an upgrade (not available, pending changes)."""


class UpgradeTargetInvalid(UpgradeError):
    """The requested version is not a valid major upgrade target of the cluster."""


class BlueGreenInvalidConfiguration(UpgradeError):
    """The blue/green deployment reached INVALID_CONFIGURATION."""


class BlueGreenTaskFailed(UpgradeError):
    """A task of the blue/green deployment (replica, engine upgrade, ...) failed."""


class BlueGreenConflict(UpgradeError):
    """Another blue/green deployment already exists on the cluster."""


class SwitchoverFailed(UpgradeError):
    """The switchover failed or was cancelled; blue keeps serving."""


class SnapshotFailed(UpgradeError):
    """The pre-upgrade snapshot did not become available."""


class PollDeadlineExceeded(UpgradeError):
    """A wait loop reached its deadline without the awaited state."""


class UpgradeVerificationFailed(UpgradeError):
    """After the upgrade the cluster does not run the target version."""


class ParameterGroupConflict(UpgradeError):
    """A parameter group with our deterministic name exists but does not fit (wrong family)."""


class RestoreSourceInvalid(UpgradeError):
    """The snapshot of a restore is missing or unusable, or nothing shows the settings to recreate."""


class UpgradePrechecksFailed(UpgradeError):
    """Aurora's own prechecks refused the in-place upgrade: the cluster is back on the old version, unchanged."""


class InPlaceUpgradeFailed(UpgradeError):
    """The in-place upgrade failed after the engine started changing: the snapshot is the way back."""


class RestoreFailed(UpgradeError):
    """Restoring the snapshot or recreating its instances did not succeed."""


class UpgradeAlreadyRunning(UpgradeError):
    """Another execution is already working on this cluster."""


class ApprovalLinkMalformed(UpgradeError):
    """An approval request lacks a field or carries one of the wrong shape (HTTP 400)."""


class ApprovalLinkInvalid(UpgradeError):
    """An approval link's signature does not match its id, decision and expiry (HTTP 403)."""


class ApprovalGone(UpgradeError):
    """The approval was already decided, has expired, or the workflow no longer waits for it (HTTP 410)."""


class PostUpgradeVerificationFailed(UpgradeError):
    """The upgraded cluster (green before switchover, or the cluster in place) does not run the target version."""


class ConsistencyMismatch(UpgradeError):
    """Green does not hold what blue holds (rows, tables, sequences, databases): the switchover must wait."""


class DatabaseAccessFailed(UpgradeError):
    """The input's database access cannot be used for this cluster (secret unreadable, Data API disabled)."""
