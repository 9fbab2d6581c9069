"""Eigen-Lang: the declarative DSL of Eigen programs (compiled, never executed).

Import names from here in a program; the compiler reads them from the syntax tree. Importing
this package has no side effects, and calling its functions from plain Python raises
:class:`NotCompiledError` with the way to run the program instead.
"""

from eigen_lang._errors import NotCompiledError
from eigen_lang.decorators import ansatz, cost_function, hybrid_program, quantum_circuit
from eigen_lang.factories import (
    I,
    X,
    Y,
    Z,
    create_hea_ansatz,
    create_ising_model_hamiltonian,
    create_maxcut_hamiltonian,
    create_qaoa_ansatz,
)
from eigen_lang.gates import (
    barrier,
    ccx,
    ccz,
    ch,
    cnot,
    cp,
    crx,
    cry,
    crz,
    cswap,
    cx,
    cy,
    cz,
    h,
    measure,
    measure_all,
    p,
    reset,
    rx,
    rxx,
    ry,
    ryy,
    rz,
    rzz,
    s,
    sdg,
    swap,
    sx,
    t,
    tdg,
    u,
    x,
    y,
    z,
)
from eigen_lang.hybrid import minimize, sample, sweep
from eigen_lang.notebook import get_program_ast, visualize_circuit
from eigen_lang.reserved import QuantumModel, SupervisedTask, load_dataset
from eigen_lang.types import (
    Ansatz,
    ClassicalRegister,
    ExpectationValue,
    Observable,
    OptimizationResult,
    Param,
    Params,
    QubitRegister,
)

__version__ = "0.1"

__all__ = [
    "Ansatz", "ClassicalRegister", "ExpectationValue", "I", "NotCompiledError", "Observable",
    "OptimizationResult", "Param", "Params", "QuantumModel", "QubitRegister", "SupervisedTask",
    "X", "Y", "Z", "ansatz", "barrier", "ccx", "ccz", "ch", "cnot", "cost_function", "cp",
    "create_hea_ansatz", "create_ising_model_hamiltonian", "create_maxcut_hamiltonian",
    "create_qaoa_ansatz", "crx", "cry", "crz", "cswap", "cx", "cy", "cz", "get_program_ast",
    "h", "hybrid_program", "load_dataset", "measure", "measure_all", "minimize", "p",
    "quantum_circuit", "reset", "rx", "rxx", "ry", "ryy", "rz", "rzz", "s", "sample", "sdg",
    "swap", "sweep", "sx", "t", "tdg", "u", "visualize_circuit", "x", "y", "z",
]
