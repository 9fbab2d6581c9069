"""docs/language.md cannot go stale: its programs compile, its tables cover the code.

Conventions of the document (stated in its introduction):

- every ```` ```python ```` block is a complete program, compiled here with ``compile_source``;
- a block whose first line is ``# rejected: E201`` (codes separated by commas) must be
  rejected with those error codes; ``# warns: W302`` must compile with those warnings;
  any other block must compile without an error.
"""

from __future__ import annotations

import re
from pathlib import Path

import pytest

import eigen_lang
from eigen_engine import compile_source
from eigen_engine.compiler import CODES
from eigen_engine.compiler.entrypoint import DECORATOR_OPTIONS
from eigen_engine.compiler.library import EIGEN_LANG, METHODS
from eigen_engine.errors import CompileError

DOC = Path(__file__).parents[2] / "docs" / "language.md"
TEXT = DOC.read_text(encoding="utf-8")
_BLOCK = re.compile(r"^```python\n(.*?)^```", re.MULTILINE | re.DOTALL)
_MARK = re.compile(r"#\s*(rejected|warns):\s*([A-Z0-9, ]+)")


def _blocks() -> list[tuple[int, str]]:
    return [(TEXT.count("\n", 0, m.start()) + 1, m.group(1)) for m in _BLOCK.finditer(TEXT)]


BLOCKS = _blocks()


def test_the_document_has_programs() -> None:
    assert len(BLOCKS) >= 15


@pytest.mark.parametrize(("line", "source"), BLOCKS, ids=[f"line{n}" for n, _ in BLOCKS])
def test_every_program_block_compiles_or_fails_as_stated(line: int, source: str) -> None:
    first = source.splitlines()[0]
    mark = _MARK.match(first)
    expected = {c.strip() for c in mark.group(2).split(",")} if mark else set()
    assert expected <= set(CODES), f"line {line}: unknown code in {first!r}"
    if mark and mark.group(1) == "rejected":
        with pytest.raises(CompileError) as info:
            compile_source(source, filename=f"language.md:{line}")
        errors = {d.code for d in info.value.diagnostics if d.is_error}
        assert expected <= errors, [d.format() for d in info.value.diagnostics]
        return
    try:
        prog = compile_source(source, filename=f"language.md:{line}")
    except CompileError as exc:
        pytest.fail(f"the program at docs/language.md line {line} does not compile:\n"
                    + "\n".join(d.format() for d in exc.diagnostics))
    warned = {d.code for d in prog.diagnostics}
    assert expected <= warned, f"line {line}: expected {expected}, got {warned}"


def _table_rows(heading: str) -> dict[str, str]:
    """``{first cell: second cell}`` of the table under ``heading`` (cells without backticks)."""
    section = TEXT.split(heading, 1)[1]
    rows: dict[str, str] = {}
    for line in section.splitlines()[1:]:
        if line.startswith("#"):
            break
        cells = [c.strip() for c in line.strip().strip("|").split("|")]
        if line.startswith("|") and len(cells) >= 2 and not set(cells[0]) <= {"-", " "}:
            rows[cells[0].strip("`")] = cells[1]
    return rows


def test_every_diagnostic_code_is_in_the_table_with_its_title() -> None:
    rows = _table_rows("## Diagnostics")
    missing = sorted(set(CODES) - set(rows))
    assert not missing, f"codes missing from the table in docs/language.md: {missing}"
    extra = sorted(set(rows) - set(CODES) - {"code"})
    assert not extra, f"codes in docs/language.md that the compiler does not have: {extra}"
    for code, title in CODES.items():
        assert rows[code] == title, f"{code}: the table says {rows[code]!r}, the code {title!r}"


def test_every_exported_name_is_documented() -> None:
    missing = [name for name in eigen_lang.__all__ if f"`{name}" not in TEXT]
    assert not missing, f"names of eigen_lang missing from docs/language.md: {missing}"
    missing = [name for name in EIGEN_LANG if f"`{name}" not in TEXT]
    assert not missing, f"names the compiler knows missing from docs/language.md: {missing}"


def test_options_and_methods_are_documented() -> None:
    for option in DECORATOR_OPTIONS:
        assert f"`{option}`" in TEXT, option
    for method in METHODS:
        assert f"`{method}`" in TEXT, method
