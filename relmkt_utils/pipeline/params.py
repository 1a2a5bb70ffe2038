"""The ``parameters`` cell of a notebook: its names, defaults and types, and checking a run's values.

papermill only warns about a parameter the notebook does not declare; the batch treats that as an
error before execution, and also checks that each value has the type of the declared default
(an int is accepted where the default is a float; a default of None accepts any value).
Parameters are read from the cell with :mod:`ast`, never executed.
"""
from __future__ import annotations

import ast
from pathlib import Path

from ..core.errors import ParameterError


def parameters_cell(nb) -> str | None:
    for cell in nb.cells:
        if cell.cell_type == "code" and "parameters" in cell.get("metadata", {}).get("tags", []):
            return cell.source
    return None


def read_notebook(notebook: str | Path):
    """The notebook, or a ParameterError saying why it cannot be read (not JSON, e.g. merge-conflict
    markers; not a notebook; not UTF-8)."""
    import nbformat          # here, not at the top: the batch starts its warm pool before it reads notebooks

    name = Path(notebook).name
    try:
        return nbformat.read(str(notebook), as_version=4)
    except FileNotFoundError:
        raise ParameterError(f"notebook {name} does not exist in {Path(notebook).parent}") from None
    except UnicodeDecodeError:
        raise ParameterError(f"{name} is not UTF-8 text") from None
    except Exception as exc:  # nbformat raises JSON and schema errors of several types
        first = str(exc).strip().splitlines()[0] if str(exc).strip() else type(exc).__name__
        hint = " (it contains merge-conflict markers)" if "<<<<<<<" in Path(notebook).read_text(errors="replace") else ""
        raise ParameterError(f"{name} is not a readable notebook{hint}: {first}") from None


#: The annotations a parameters cell may use, and the Python types they mean.
ANNOTATIONS = {"str": str, "int": int, "float": float, "bool": bool}


def declared_types(notebook: str | Path) -> dict[str, type]:
    """The annotated type of each parameter (``dataset: str = "synthetic"``); an unannotated parameter
    takes the type of its default."""
    nb = read_notebook(notebook)
    tree = ast.parse(parameters_cell(nb) or "")
    types = {}
    for node in tree.body:
        if isinstance(node, ast.AnnAssign) and isinstance(node.target, ast.Name) and isinstance(node.annotation, ast.Name):
            if node.annotation.id in ANNOTATIONS:
                types[node.target.id] = ANNOTATIONS[node.annotation.id]
    return types


def declared_parameters(notebook: str | Path) -> dict[str, object]:
    """Names and default values assigned as literals in the notebook's ``parameters`` cell."""
    nb = read_notebook(notebook)
    source = parameters_cell(nb)
    if source is None:
        raise ParameterError(f"{Path(notebook).name} has no cell tagged 'parameters'")
    try:
        tree = ast.parse(source)
    except SyntaxError as exc:
        raise ParameterError(f"{Path(notebook).name}: the parameters cell is not valid Python "
                             f"(line {exc.lineno}: {exc.msg})") from None
    declared = {}
    for node in tree.body:
        if isinstance(node, (ast.Assign, ast.AnnAssign)):
            targets = node.targets if isinstance(node, ast.Assign) else [node.target]
            for t in targets:
                if isinstance(t, ast.Name) and node.value is not None:
                    try:
                        declared[t.id] = ast.literal_eval(node.value)
                    except ValueError:
                        declared[t.id] = None
    return declared


def _type_ok(default, value, annotated: type | None = None) -> bool:
    if annotated is not None:
        if annotated is float:
            return isinstance(value, (int, float)) and not isinstance(value, bool)
        if annotated is int:
            return isinstance(value, int) and not isinstance(value, bool)
        return isinstance(value, annotated)
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
    types = declared_types(notebook)
    for key, value in parameters.items():
        if not _type_ok(declared[key], value, types.get(key)):
            wanted = types[key].__name__ if key in types else type(declared[key]).__name__
            raise ParameterError(
                f"{name}: parameter {key} must be {wanted} like its default "
                f"{declared[key]!r}, got {type(value).__name__} {value!r}"
            )
    from ..present.narratives import spec

    problems = spec(Path(notebook).stem).parameter_problems({**declared, **parameters})
    if problems:
        raise ParameterError(f"{name}: " + "; ".join(problems))
