"""A Bell pair: the two qubits always agree."""

from eigen_lang import cx, h, hybrid_program, measure_all


@hybrid_program(target="simulator", shots=1024)
def bell():
    h(0)
    cx(0, 1)
    measure_all()
