"""``eigen_lang``: every name exists, is documented, is inert, and matches the compiler."""

from __future__ import annotations

import inspect
import subprocess
import sys

import pytest

import eigen_lang
from eigen_engine.compiler.library import EIGEN_LANG


def test_public_names_match_the_compiler_library() -> None:
    assert set(eigen_lang.__all__) == set(EIGEN_LANG)


@pytest.mark.parametrize("name", sorted(eigen_lang.__all__))
def test_every_name_is_documented(name: str) -> None:
    obj = getattr(eigen_lang, name)
    assert inspect.getdoc(obj), f"eigen_lang.{name} has no docstring"


def test_import_has_no_side_effects() -> None:
    code = ("import sys; before = set(sys.modules); import eigen_lang; "
            "new = sorted(m for m in set(sys.modules) - before if not m.startswith('eigen_lang')"
            " and m.split('.')[0] not in sys.stdlib_module_names); print(new)")
    out = subprocess.run([sys.executable, "-c", code], capture_output=True, text=True, check=True)
    assert out.stdout.strip() == "[]"


def test_decorators_only_mark() -> None:
    @eigen_lang.hybrid_program(shots=10)
    def prog() -> int:
        return 1

    assert prog() == 1
    assert prog.__eigen_lang_kind__ == "hybrid_program"  # type: ignore[attr-defined]
    assert prog.__eigen_lang_options__ == {"shots": 10}  # type: ignore[attr-defined]


@pytest.mark.parametrize("call", [
    lambda: eigen_lang.h(0),
    lambda: eigen_lang.minimize(None, [0.1]),
    lambda: eigen_lang.ExpectationValue(None),
    lambda: eigen_lang.create_hea_ansatz(2, 1),
    lambda: eigen_lang.load_dataset("x"),
], ids=["gate", "minimize", "expectation", "factory", "reserved"])
def test_calls_outside_a_compiled_program_explain_how_to_run(call: object) -> None:
    with pytest.raises(eigen_lang.NotCompiledError, match="eigen submit"):
        call()  # type: ignore[operator]


def test_get_program_ast_compiles_without_running() -> None:
    doc = eigen_lang.get_program_ast(
        "from eigen_lang import hybrid_program, h\n@hybrid_program()\ndef f():\n    h(0)\n")
    assert doc["operations"][0] == {"op": "H", "q": [0]}
