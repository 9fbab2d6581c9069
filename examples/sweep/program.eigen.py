"""A parameter sweep: one rotation angle over 50 values, evaluated in one batched call.

``ry(theta)|0>`` has <Z> = cos(theta) and <X> = sin(theta); each curve is one ``sweep``,
which the runtime sends to the simulator as a single call with 50 parameter bindings
(exact expectation values: no shots).
"""

import numpy as np
from eigen_lang import Param, X, Z, hybrid_program, ry, sweep

POINTS = 50


@hybrid_program(target="simulator")
def rotation_sweep(points: int = POINTS):
    theta = Param("theta", 0.0)
    ry(0, theta=theta)
    angles = np.linspace(0.0, 2 * np.pi, points)
    return {
        "angles": angles.tolist(),
        "z": sweep(None, {theta: angles}, observable=Z(0)),
        "x": sweep(None, {theta: angles}, observable=X(0)),
    }
