"""The package's layout rules (ARCHITECTURE.md, "Floors"): five floors, core < data < science packages <
present and plots < pipeline, each importing only from the floors below it, and no private name imported
across packages. plots shares present's floor: its figures label and format numbers with present's helpers."""
import ast
from pathlib import Path

import nbformat
import pytest

ROOT = Path(__file__).resolve().parent.parent
PKG = ROOT / "relmkt_utils"
SCIENCE = {"btyd", "loyalty", "value", "referral", "retention"}
FLOOR = {"core": 1, "data": 2, **{s: 3 for s in SCIENCE}, "present": 4, "plots": 4, "pipeline": 5}


def package_of(module: str) -> str | None:
    parts = module.split(".")
    return parts[1] if len(parts) > 1 and parts[0] == "relmkt_utils" else None


def imports(path: Path):
    """(imported module, names) of every import in a file, relative imports resolved."""
    here = ".".join(path.relative_to(ROOT).with_suffix("").parts)
    if path.name == "__init__.py":
        here = here.rsplit(".", 1)[0] + ".__init__"
    for node in ast.walk(ast.parse(path.read_text(encoding="utf-8"))):
        if isinstance(node, ast.ImportFrom):
            if node.level:
                base = here.split(".")[: -node.level]
                module = ".".join(base + ([node.module] if node.module else []))
            else:
                module = node.module or ""
            yield module, [a.name for a in node.names]
        elif isinstance(node, ast.Import):
            for a in node.names:
                yield a.name, []


def source_files():
    return sorted(p for p in PKG.rglob("*.py"))


@pytest.mark.parametrize("path", source_files(), ids=lambda p: str(p.relative_to(PKG)))
def test_floors_and_private_names(path):
    own = package_of(".".join(path.relative_to(ROOT).with_suffix("").parts))
    for module, names in imports(path):
        other = package_of(module)
        if other is None or own not in FLOOR or other not in FLOOR:
            continue
        assert FLOOR[other] <= FLOOR[own], f"{path.relative_to(ROOT)} (floor {FLOOR[own]}) imports {module} (floor {FLOOR[other]})"
        if other != own:
            private = [n for n in names if n.startswith("_")] + [p for p in module.split(".") if p.startswith("_")]
            assert not private, f"{path.relative_to(ROOT)} imports the private {private} of {module}"
        if FLOOR[own] == 3 and other in SCIENCE and other != own:
            # a science package uses another one only through its public package interface
            assert module == f"relmkt_utils.{other}", f"{path.relative_to(ROOT)} reaches into {module}: use relmkt_utils.{other}"


@pytest.mark.parametrize("path", sorted((ROOT / "notebooks").glob("*.ipynb")), ids=lambda p: p.name)
def test_notebooks_import_no_private_names(path):
    nb = nbformat.read(str(path), as_version=4)
    for cell in nb.cells:
        if cell.cell_type != "code":
            continue
        source = cell.source.split("\n", 1)[1] if cell.source.startswith("%%section") else cell.source
        tree = ast.parse(source)
        for node in ast.walk(tree):
            if isinstance(node, ast.ImportFrom) and (node.module or "").startswith("relmkt_utils"):
                assert not [a.name for a in node.names if a.name.startswith("_")], cell.source
            # a one-line display helper is presentation; anything longer is algorithm code for relmkt_utils
            if isinstance(node, ast.ClassDef) or (isinstance(node, ast.FunctionDef) and len(node.body) > 1):
                raise AssertionError(f"{path.name} defines {node.name}: algorithm code belongs in relmkt_utils")


def test_one_definition_of_each_shared_concept():
    """require_columns, Estimate, the optimizer and the CLV exist once; the old homes are gone."""
    text = {p: p.read_text(encoding="utf-8") for p in source_files()}
    for definition in ("def require_columns(", "class Estimate:", "def newton_fit(", "def present_value(",
                       "def durations(", "class MLEResults:"):
        homes = [str(p.relative_to(PKG)) for p, t in text.items() if definition in t]
        assert len(homes) == 1 and homes[0].startswith("core/"), (definition, homes)
    for gone in ("mle.py", "errors.py", "batch.py", "render.py", "report.py", "loyalty/_common.py",
                 "referral/_common.py", "btyd/_fit.py"):
        assert not (PKG / gone).exists(), gone


def test_notebook_01_has_one_discount_parameter():
    from relmkt_utils.pipeline.params import declared_parameters

    declared = declared_parameters(ROOT / "notebooks" / "01_loyalty_measurement.ipynb")
    assert declared["annual_discount_rate"] == 0.10
    assert [k for k in declared if "discount" in k] == ["annual_discount_rate"]


def test_normal_quantiles_come_from_z_value():
    """An interval's z is core.estimate.z_value(alpha), never a hard-coded 1.96 or a norm.ppf of its own
    (data/synthetic draws normal variates with norm.ppf: that is not an interval)."""
    import re

    pattern = re.compile(r"(?<![\d.])1\.96(?!\d)|norm\.ppf\(\s*1\s*-\s*alpha")
    offenders = [str(p.relative_to(PKG)) for p in source_files()
                 if p.relative_to(PKG).as_posix() != "core/estimate.py" and pattern.search(p.read_text(encoding="utf-8"))]
    assert offenders == []


def test_docstrings_name_modules_and_objects_that_exist():
    """Every ``relmkt_utils.x.y`` a docstring or comment names (plain or in a :mod:/:func:/:class: role, also
    relative ones such as :mod:`.errors`) can be imported: no reference to a module that was moved or removed."""
    import importlib
    import re

    def exists(name: str) -> bool:
        parts = name.split(".")
        for i in range(len(parts), 0, -1):
            try:
                obj = importlib.import_module(".".join(parts[:i]))
            except ImportError:
                continue
            for p in parts[i:]:
                if not hasattr(obj, p):
                    return False
                obj = getattr(obj, p)
            return True
        return False

    role = re.compile(r":(?:mod|func|class|meth|data|attr):`~?(\.+[\w.]+)`")
    plain = re.compile(r"(?<![\w/])relmkt_utils(?:\.\w+)+")
    missing = []
    for path in source_files():
        package = ".".join(path.relative_to(ROOT).parent.parts)
        for lineno, line in enumerate(path.read_text(encoding="utf-8").splitlines(), 1):
            names = [n.rstrip(".") for n in plain.findall(line)]
            for rel in role.findall(line):
                dots = len(rel) - len(rel.lstrip("."))
                base = package.split(".")[: len(package.split(".")) - (dots - 1)]
                names.append(".".join(base + [rel.lstrip(".")]))
            missing += [f"{path.relative_to(ROOT)}:{lineno}: {n}" for n in names if not exists(n)]
    assert missing == []


def test_public_functions_have_numpydoc_parameters():
    """Every public function of core, loyalty, retention, value and referral documents each of its
    arguments in a numpydoc ``Parameters`` section (``name : type`` lines)."""
    import importlib
    import inspect
    import re

    undocumented = []
    for pkg in ("core", "loyalty", "retention", "value", "referral"):
        module = importlib.import_module(f"relmkt_utils.{pkg}")
        for name in module.__all__:
            fn = getattr(module, name)
            if not inspect.isfunction(fn):
                continue
            params = [p for p in inspect.signature(fn).parameters.values()
                      if p.kind not in (p.VAR_KEYWORD, p.VAR_POSITIONAL)]
            if not params:
                continue
            doc = inspect.getdoc(fn) or ""
            section = doc.split("Parameters\n----------\n", 1)
            listed = set(re.findall(r"^(\w+) :", section[1], re.M)) if len(section) == 2 else set()
            missing = [p.name for p in params if p.name not in listed]
            if missing:
                undocumented.append(f"{pkg}.{name}: {', '.join(missing)}")
    assert undocumented == []
