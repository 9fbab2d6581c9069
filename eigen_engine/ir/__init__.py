"""AQO, the intermediate representation: operations, circuits, observables, codecs."""

from eigen_engine.ir.aqo import (
    AQO_VERSION,
    MAIN_CIRCUIT,
    Circuit,
    Operation,
    circuit_from_aqo,
    validate_aqo,
)
from eigen_engine.ir.canonical import canonical_bytes, canonical_sha256, sha256_hex
from eigen_engine.ir.gates import GATES, LANG_GATES, GateDef
from eigen_engine.ir.observable import PauliSum, PauliTerm
from eigen_engine.ir.params import ParamExpr, ParamValue
from eigen_engine.ir.qasm import to_qasm3

__all__ = [
    "AQO_VERSION",
    "GATES",
    "LANG_GATES",
    "MAIN_CIRCUIT",
    "Circuit",
    "GateDef",
    "Operation",
    "ParamExpr",
    "ParamValue",
    "PauliSum",
    "PauliTerm",
    "canonical_bytes",
    "canonical_sha256",
    "circuit_from_aqo",
    "sha256_hex",
    "to_qasm3",
    "validate_aqo",
]
