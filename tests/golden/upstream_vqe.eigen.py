"""Upstream-style VQE: gates at the top of the entrypoint, Params, Observable(Z=0, X=1)."""

from eigen_lang import (
    ExpectationValue, Observable, Param, cnot, hybrid_program, minimize, ry,
)


@hybrid_program(target="simulator", shots=2048)
def vqe_h2():
    theta = Param("theta", 0.1)
    phi = Param("phi", -0.2)
    ry(0, theta=theta)
    ry(1, theta=phi)
    cnot(0, 1)
    ry(0, theta=theta)
    ry(1, theta=phi)
    obs = Observable(Z=0, X=1)
    energy = ExpectationValue("energy", observable=obs)
    optimum = minimize(energy, [0.1, -0.2], method="COBYLA", max_iters=60)
    return {"energy": optimum.fun, "parameters": optimum.x}
