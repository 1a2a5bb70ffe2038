"""The ``parameters`` cell of a notebook: its names, defaults and types, and checking a run's values.

papermill only warns about a parameter the notebook does not declare; the batch treats that as an
error before execution, and also checks that each value has the type of the declared default
(an int is accepted where the default is a float; a default of None accepts any value).
Parameters are read from the cell with :mod:`ast`, never executed.
"""
from __future__ import annotations

import ast
from pathlib import Path

import nbformat

from ..core.errors import ParameterError


def parameters_cell(nb) -> str | None:
    for cell in nb.cells:
        if cell.cell_type == "code" and "parameters" in cell.get("metadata", {}).get("tags", []):
            return cell.source
    return None


def declared_parameters(notebook: str | Path) -> dict[str, object]:
    """Names and default values assigned as literals in the notebook's ``parameters`` cell."""
    nb = nbformat.read(str(notebook), as_version=4)
    source = parameters_cell(nb)
    if source is None:
        raise ParameterError(f"{Path(notebook).name} has no cell tagged 'parameters'")
    declared = {}
    for node in ast.parse(source).body:
        if isinstance(node, (ast.Assign, ast.AnnAssign)):
            targets = node.targets if isinstance(node, ast.Assign) else [node.target]
            for t in targets:
                if isinstance(t, ast.Name) and node.value is not None:
                    try:
                        declared[t.id] = ast.literal_eval(node.value)
                    except ValueError:
                        declared[t.id] = None
    return declared


def _type_ok(default, value) -> bool:
    if default is None or value is None:
        return True
    if isinstance(default, bool):
        return isinstance(value, bool)
    if isinstance(default, float):
        return isinstance(value, (int, float)) and not isinstance(value, bool)
    if isinstance(default, int):
        return isinstance(value, int) and not isinstance(value, bool)
    return isinstance(value, type(default))


def check_parameters(notebook: str | Path, parameters: dict) -> None:
    """Raise :class:`ParameterError` for an unknown name or a value of the wrong type."""
    declared = declared_parameters(notebook)
    name = Path(notebook).name
    unknown = sorted(set(parameters) - set(declared))
    if unknown:
        raise ParameterError(
            f"{name}: unknown parameter{'s' if len(unknown) > 1 else ''} {', '.join(unknown)}; "
            f"the notebook declares {', '.join(declared)}"
        )
    for key, value in parameters.items():
        if not _type_ok(declared[key], value):
            raise ParameterError(
                f"{name}: parameter {key} must be {type(declared[key]).__name__} like its default "
                f"{declared[key]!r}, got {type(value).__name__} {value!r}"
            )
