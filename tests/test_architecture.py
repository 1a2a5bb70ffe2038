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
# ---------------------------------------------------------------- import cycles (issue 22)
def module_name(path: Path) -> str:
    parts = list(path.relative_to(ROOT).with_suffix("").parts)
    return ".".join(parts[:-1] if parts[-1] == "__init__" else parts)


MODULES = {module_name(p): p for p in source_files()}


def _targets(path: Path, node) -> list[str]:
    """The modules of relmkt_utils an import statement loads: a submodule named in ``from X import name``
    counts as that submodule, anything else as X itself (the implicit import of parent packages does not
    count, as in every import-cycle checker)."""
    here = module_name(path)
    package = here if path.name == "__init__.py" else here.rsplit(".", 1)[0]
    out = []
    if isinstance(node, ast.ImportFrom):
        if node.level:
            base = package.split(".")
            base = base[: len(base) - (node.level - 1)]
            module = ".".join(base + ([node.module] if node.module else []))
        else:
            module = node.module or ""
        subs = [f"{module}.{a.name}" for a in node.names if f"{module}.{a.name}" in MODULES]
        out += subs
        if len(subs) < len(node.names) and module in MODULES:
            out.append(module)
    elif isinstance(node, ast.Import):
        out += [a.name for a in node.names if a.name in MODULES]
    return [m for m in out if m != here]


def import_graph(module_level_only: bool) -> dict[str, set[str]]:
    graph = {}
    for name, path in MODULES.items():
        tree = ast.parse(path.read_text(encoding="utf-8"))
        if module_level_only:   # statements run at import: the module body and its top-level if/try blocks
            nodes, todo = [], list(tree.body)
            while todo:
                n = todo.pop()
                if isinstance(n, (ast.If, ast.Try)):
                    todo += n.body + n.orelse + getattr(n, "finalbody", []) + [s for h in getattr(n, "handlers", []) for s in h.body]
                else:
                    nodes.append(n)
        else:
            nodes = list(ast.walk(tree))
        graph[name] = {t for n in nodes if isinstance(n, (ast.Import, ast.ImportFrom)) for t in _targets(path, n)}
    return graph


def cycles(graph: dict[str, set[str]]) -> list[list[str]]:
    """The strongly connected components with more than one module (Tarjan)."""
    index, low, stack, on, out, counter = {}, {}, [], set(), [], [0]

    def visit(v):
        index[v] = low[v] = counter[0]
        counter[0] += 1
        stack.append(v)
        on.add(v)
        for w in graph.get(v, ()):
            if w not in index:
                visit(w)
                low[v] = min(low[v], low[w])
            elif w in on:
                low[v] = min(low[v], index[w])
        if low[v] == index[v]:
            comp = []
            while True:
                w = stack.pop()
                on.discard(w)
                comp.append(w)
                if w == v:
                    break
            if len(comp) > 1:
                out.append(sorted(comp))

    for v in sorted(graph):
        if v not in index:
            visit(v)
    return out


def test_no_module_level_import_cycles():
    assert cycles({"a": {"b"}, "b": {"c"}, "c": {"a"}, "d": {"a"}}) == [["a", "b", "c"]]    # the detector works
    graph = import_graph(module_level_only=True)
    assert "relmkt_utils.btyd.numpy_engine" in graph["relmkt_utils.btyd.engines"]          # and sees the imports
    assert cycles(graph) == []


def test_btyd_has_no_import_cycle_even_inside_functions():
    """A function-level import that closes a circle is the same circle, deferred (summary <-> engines was one)."""
    graph = import_graph(module_level_only=False)
    btyd = {k: {t for t in v if t.startswith("relmkt_utils.btyd")} for k, v in graph.items()
            if k.startswith("relmkt_utils.btyd")}
    assert cycles(btyd) == []
    assert not any(t.startswith("relmkt_utils.btyd.") and t.split(".")[-1] in ("bgnbd", "paretonbd", "mbgnbd", "bgbb",
                                                                               "gammagamma", "covariates")
                   for t in graph["relmkt_utils.btyd.persistence"]), "persistence must read the registry, not import models"


# ---------------------------------------------------------------- one registry (issue 22)
def test_one_registry_of_models():
    """Every model is in btyd.registry.REGISTRY; the chooser's MODELS/NAMES/DISCRETE are views of it, and no
    other btyd module lists model or results classes in a dict, tuple, list or set literal."""
    from relmkt_utils import btyd
    from relmkt_utils.btyd import registry

    assert btyd.MODELS is registry.MODELS and btyd.NAMES is registry.NAMES and btyd.DISCRETE is registry.DISCRETE
    assert list(btyd.MODELS) == ["bgnbd", "pnbd", "mbgnbd", "bgbb", "bgcnbd", "mbgcnbd", "ggomnbd", "pggg"]
    assert list(btyd.DISCRETE) == ["bgbb"]
    assert {e.model.__name__ for e in registry.REGISTRY.values()} >= {
        "BetaGeo", "ParetoNBD", "ModifiedBetaGeo", "BetaGeoBetaBinom", "GammaGamma", "BetaGeoCovariates",
        "ParetoNBDCovariates"}
    names = {e.model.__name__ for e in registry.REGISTRY.values()} | {e.results.__name__ for e in registry.REGISTRY.values()}

    def named(node) -> str | None:
        if isinstance(node, ast.Name):
            return node.id
        return node.attr if isinstance(node, ast.Attribute) else None

    offenders = []
    for path in sorted((PKG / "btyd").glob("*.py")):
        if path.name == "registry.py":
            continue
        for node in ast.walk(ast.parse(path.read_text(encoding="utf-8"))):
            if isinstance(node, ast.Dict):
                hits = [named(v) for v in node.values if named(v) in names]
                if hits:
                    offenders.append(f"{path.name}:{node.lineno} dict of {hits}")
            elif isinstance(node, (ast.Tuple, ast.List, ast.Set)):
                hits = [named(v) for v in node.elts if named(v) in names]
                if len(hits) >= 2:
                    offenders.append(f"{path.name}:{node.lineno} collection of {hits}")
    assert offenders == []


# ---------------------------------------------------------------- time travels with the data (issue 22)
#: The functions that make a summary from a log choose its period (and record it on the summary); every
#: other function takes the period from the data or the results.
SUMMARY_MAKERS = {"rfm_summary", "summary", "write_summary", "spark_summary", "regularity_summary"}
UNIT_PARAMETERS = {"time_unit", "unit", "freq", "freq_multiplier"}


def test_no_function_under_btyd_has_a_time_unit_default():
    import importlib
    import inspect

    found, offenders = 0, []
    for path in sorted((PKG / "btyd").glob("*.py")):
        module = importlib.import_module(module_name(path))
        functions = [(n, f) for n, f in vars(module).items()
                     if inspect.isfunction(f) and f.__module__ == module.__name__]
        for cname, cls in vars(module).items():
            if inspect.isclass(cls) and cls.__module__ == module.__name__:
                functions += [(f"{cname}.{n}", f) for n, f in vars(cls).items()
                              if inspect.isfunction(getattr(f, "__func__", f)) or isinstance(f, (classmethod, staticmethod))]
        for name, f in functions:
            f = getattr(f, "__func__", f)
            for p in inspect.signature(f).parameters.values():
                if p.name in UNIT_PARAMETERS:
                    found += 1
                    if p.default is not inspect.Parameter.empty and p.default is not None \
                            and name.split(".")[-1] not in SUMMARY_MAKERS:
                        offenders.append(f"{path.name}: {name}({p.name}={p.default!r})")
    assert found > 10                       # the test sees the functions it is about
    assert offenders == []
