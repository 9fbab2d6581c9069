"""Source intake: decode, size and byte checks, and ``ast.parse`` with errors as diagnostics."""

from __future__ import annotations

import ast
import hashlib
import threading
import warnings
from dataclasses import dataclass

from eigen_engine.compiler.diagnostics import Diagnostic
from eigen_engine.compiler.limits import Limits

__all__ = ["ParsedSource", "SourceText", "decode_source", "parse_source"]

_PARSER_WARNINGS = threading.Lock()


@dataclass(frozen=True, slots=True)
class SourceText:
    """Decoded program text and the hash of its original bytes.

    Attributes:
        text: The program as ``str`` (``None`` when it could not be decoded).
        data: The original bytes (UTF-8 encoded when given a ``str``).
        sha256: Hex sha256 of ``data`` — the upstream ``source_sha256``.
    """

    text: str | None
    data: bytes
    sha256: str


@dataclass(frozen=True, slots=True)
class ParsedSource:
    """A parsed module, or the diagnostic that says why it could not be parsed."""

    tree: ast.Module | None
    diagnostic: Diagnostic | None


def _position(data: bytes, offset: int) -> tuple[int, int]:
    line = data.count(b"\n", 0, offset) + 1
    col = offset - (data.rfind(b"\n", 0, offset) + 1) + 1
    return line, col


def decode_source(source: str | bytes, limits: Limits) -> tuple[SourceText, list[Diagnostic]]:
    """Turn user input into text, checking size, NUL bytes and UTF-8.

    Args:
        source: Program text, or its raw bytes (which must be UTF-8).
        limits: The limits in force.

    Returns:
        The decoded source and the diagnostics found (errors stop compilation).
    """
    diags: list[Diagnostic] = []
    if isinstance(source, str):
        try:
            data = source.encode("utf-8")
        except UnicodeEncodeError as exc:
            data = source.encode("utf-8", "surrogatepass")
            line, col = _position(data, len(source[: exc.start].encode("utf-8", "surrogatepass")))
            diags.append(
                Diagnostic(
                    "E101",
                    "source contains a lone surrogate character, which is not valid UTF-8",
                    line, col, hint="remove the character or save the file as UTF-8",
                )
            )
            return SourceText(None, data, hashlib.sha256(data).hexdigest()), diags
    elif isinstance(source, bytes | bytearray):
        data = bytes(source)
    else:
        raise TypeError(f"source must be str or bytes, not {type(source).__name__}")
    digest = hashlib.sha256(data).hexdigest()
    if len(data) > limits.max_source_bytes:
        diags.append(
            Diagnostic(
                "E501",
                f"source is {len(data):,} bytes; the limit is {limits.max_source_bytes:,}",
                hint="split the program or move data into inputs",
            )
        )
        return SourceText(None, data, digest), diags
    nul = data.find(b"\x00")
    if nul >= 0:
        line, col = _position(data, nul)
        diags.append(
            Diagnostic("E102", "source contains a NUL byte", line, col,
                       hint="remove the NUL byte; programs are plain UTF-8 text")
        )
        return SourceText(None, data, digest), diags
    try:
        text = data.decode("utf-8")
    except UnicodeDecodeError as exc:
        line, col = _position(data, exc.start)
        diags.append(
            Diagnostic("E101", f"source is not valid UTF-8 (byte 0x{data[exc.start]:02x})",
                       line, col, hint="save the file as UTF-8")
        )
        return SourceText(None, data, digest), diags
    if text.startswith("\ufeff"):
        text = text[1:]
    return SourceText(text, data, digest), diags


def parse_source(text: str, filename: str = "<program>") -> ParsedSource:
    """Parse with ``ast.parse`` (never compiles or runs the code), mapping every failure.

    Returns:
        The module tree, or an E100 (syntax) / E502 (nesting) diagnostic.
    """
    try:
        # The parser's SyntaxWarnings (`0in x`, "\d") would go to the host's stderr, and
        # under `-W error` turn a valid program into a syntax error: the result must not
        # depend on the host's warning filters.
        with _PARSER_WARNINGS, warnings.catch_warnings():  # (global state: one at a time)
            warnings.simplefilter("ignore")
            tree = ast.parse(text, filename=filename, type_comments=False)
        return ParsedSource(tree, None)
    except SyntaxError as exc:
        msg = exc.msg or "invalid syntax"
        line = exc.lineno or 0
        col = exc.offset or 0
        if "too many nested" in msg or "too complex" in msg:
            return ParsedSource(None, Diagnostic(
                "E502", f"the program is nested too deeply for the parser ({msg})", line, col,
                hint="flatten the expression into several assignments"))
        known_end = bool(exc.end_lineno and exc.end_offset and exc.end_offset > 0)
        return ParsedSource(None, Diagnostic(
            "E100", f"syntax error: {msg}", line, col,
            end_line=exc.end_lineno if known_end else None,
            end_col=exc.end_offset if known_end else None,
            hint="Eigen-Lang programs are Python syntax; fix the line as Python would"))
    except (RecursionError, MemoryError):
        return ParsedSource(None, Diagnostic(
            "E502", "the program is nested too deeply for the parser",
            hint="flatten deeply nested expressions into several assignments"))
    except ValueError as exc:  # e.g. NUL bytes in a str
        return ParsedSource(None, Diagnostic("E102", f"source cannot be parsed: {exc}"))
