"""QAOA for MaxCut on a 4-node ring: the two maximum cuts are 0101 and 1010 (4 edges cut).

``create_maxcut_hamiltonian`` gives ``sum (Z_i Z_j - 1) / 2`` over the edges, whose ground
energy is minus the maximum cut. The QAOA angles (two layers) are optimised on exact
expectation values, then the optimised circuit is sampled: a maximum cut should be the most
likely bitstring.
"""

from eigen_lang import (
    ExpectationValue,
    create_maxcut_hamiltonian,
    create_qaoa_ansatz,
    hybrid_program,
    minimize,
    sample,
)


SHOTS = 2048


@hybrid_program(target="simulator", shots=2048, seed=11)
def qaoa_maxcut(nodes: int = 4, reps: int = 2):
    edges = [(i, (i + 1) % nodes) for i in range(nodes)]
    cost = create_maxcut_hamiltonian(edges)
    ansatz = create_qaoa_ansatz(cost, reps=reps)
    energy = ExpectationValue(ansatz, observable=cost)
    result = minimize(energy, [0.5] * ansatz.num_params, method="cobyla", max_iter=200)
    counts = sample(ansatz, parameters=result.optimal_parameters, shots=SHOTS)
    return {
        "expected_cut": -result.fun,
        "angles": result.optimal_parameters.tolist(),
        "counts": counts,
        "max_cut_probability": (counts["0101"] + counts["1010"]) / SHOTS,
    }
