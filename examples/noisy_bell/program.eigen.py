"""A Bell pair on a noisy simulator: the qubits disagree now and then.

Depolarizing noise after each gate and readout errors make ``01`` and ``10`` appear. With
depolarizing parameter P after H and after CX, and each measured bit flipped with
probability r, a disagreement is seen with probability

    q (1 - f) + (1 - q) f,   q = P / 2,   f = 2 r (1 - r)

(the CX's two-qubit channel leaves an odd-parity state with probability P/2; readout flips
the parity when exactly one bit flips). For P = 0.02 and r = 0.03 that is about 6.7%.
"""

from eigen_lang import cx, h, hybrid_program, measure_all


@hybrid_program(target="simulator", shots=4000, noise_model="depolarizing:0.02+readout:0.03")
def noisy_bell():
    h(0)
    cx(0, 1)
    measure_all()
