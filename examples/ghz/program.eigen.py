"""A GHZ state on n qubits, built with a loop the compiler unrolls."""

from eigen_lang import ClassicalRegister, QubitRegister, cx, h, hybrid_program, measure


@hybrid_program(target="simulator", shots=2048)
def ghz(n: int = 5):
    q = QubitRegister(n)
    c = ClassicalRegister(n)
    h(q[0])
    for i in range(n - 1):
        cx(q[i], q[i + 1])
    for i in range(n):
        measure(q[i], c[i])
