"""VQE in the upstream style: minimise <Z0> + <X1> on two qubits (the minimum is -2).

The ansatz is two layers of ``ry`` with a ``cnot`` between them. With the first angle of
qubit 0 at 0 the ``cnot`` acts as the identity, so the state is the product
``ry(theta2)|0> (x) ry(theta1 + theta3)|0>``: ``theta2 = pi`` and ``theta1 + theta3 = -pi/2``
give ``|1>|->``, where <Z0> = <X1> = -1. The energy is sampled with 8192 shots, so each
evaluation carries shot noise of order ``1/sqrt(8192)``; the light depolarizing noise of
the upstream job lifts the reachable minimum by under 1%.
"""

from eigen_lang import ExpectationValue, Observable, Param, cnot, hybrid_program, minimize, ry


@hybrid_program(target="simulator", shots=8192, seed=7, noise_model="depolarizing:0.001")
def vqe_h2():
    theta0 = Param("theta0", 0.1)
    theta1 = Param("theta1", -0.2)
    theta2 = Param("theta2", 0.1)
    theta3 = Param("theta3", -0.2)
    ry(0, theta=theta0)
    ry(1, theta=theta1)
    cnot(0, 1)
    ry(0, theta=theta2)
    ry(1, theta=theta3)
    obs = Observable(Z=0, X=1)
    energy = ExpectationValue("energy", observable=obs, shots=8192)
    optimum = minimize(energy, [0.1, -0.2, 0.1, -0.2], method="COBYLA", max_iters=60)
    return {"energy": optimum.fun, "parameters": optimum.x}
