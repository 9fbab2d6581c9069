from eigen_lang import (
    ExpectationValue, create_maxcut_hamiltonian, create_qaoa_ansatz, hybrid_program, minimize,
    sample,
)


@hybrid_program(shots=2048, seed=11)
def qaoa(reps: int = 2):
    edges = [(i, (i + 1) % 4) for i in range(4)]
    cost = create_maxcut_hamiltonian(edges)
    ansatz = create_qaoa_ansatz(cost, reps=reps)
    energy = ExpectationValue(ansatz, cost)
    result = minimize(energy, [0.5] * ansatz.num_params, method="nelder-mead", max_iter=200)
    counts = sample(ansatz, parameters=result.optimal_parameters)
    return {"cut": -result.fun, "counts": counts}
