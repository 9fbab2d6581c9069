from eigen_lang import QubitRegister, ClassicalRegister, cx, h, hybrid_program, measure


@hybrid_program(shots=1024)
def ghz(n: int = 4):
    q = QubitRegister(n)
    c = ClassicalRegister(n)
    h(q[0])
    for i in range(n - 1):
        cx(q[i], q[i + 1])
    for i in range(n):
        measure(q[i], c[i])
