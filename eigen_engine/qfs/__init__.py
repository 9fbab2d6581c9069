"""QFS: L3 job artifacts and the SQLite job index/queue, L2 state store, L1 resource ledger."""

from eigen_engine.qfs.artifacts import ARTIFACT_NAMES, ArtifactMismatch, ArtifactStore
from eigen_engine.qfs.atomic import sha256_file, write_atomic
from eigen_engine.qfs.index import JobIndex
from eigen_engine.qfs.ledger import Holding, ResourceLedger
from eigen_engine.qfs.state_store import StateStore

__all__ = [
    "ARTIFACT_NAMES",
    "ArtifactMismatch",
    "ArtifactStore",
    "Holding",
    "JobIndex",
    "ResourceLedger",
    "StateStore",
    "sha256_file",
    "write_atomic",
]
