"""YAML with bounds: a small file cannot cost minutes or gigabytes (the "billion laughs" alias bomb).

YAML anchors and aliases (``&a`` / ``*a``) let a 300-byte document describe a tree of a billion
nodes: nine lists of nine aliases to the previous list. PyYAML builds it as shared references, but
any code that walks the result (checking parameter values, ``json.dumps``, copying) visits every
node of the expanded tree. :func:`load_yaml` therefore composes the document first, counts the
nodes of the tree *as expanded* (a shared node counts once per reference, computed in linear time
by memoization) and refuses a document above :data:`MAX_NODES` nodes, one that refers to itself
(``&a [*a]``), one nested deeper than :data:`MAX_DEPTH` (checked while composing, so that ``[[[[...``
costs nothing: PyYAML's scanner is quadratic in the depth), and one larger than ``max_bytes``,
all before anything is constructed. Every refusal is a :class:`YAMLLimitError` whose message is a
sentence fragment (``"the YAML expands to more than 100,000 values (aliases *a ...)"``); callers
name the file.
"""
from __future__ import annotations

import re

import yaml

#: The most values (scalars, lists, mappings, counted as expanded) a relmkt YAML file may describe.
MAX_NODES = 100_000
#: The largest YAML file read, in bytes (configs carry parameters of up to 1 MB per run).
MAX_BYTES = 16_000_000
#: The deepest nesting of lists and mappings (PyYAML's scanner slows down quadratically with depth).
MAX_DEPTH = 100


class YAMLLimitError(yaml.YAMLError):
    """A YAML document beyond relmkt's bounds (size, expanded values, self-reference, depth)."""


def expanded_size(node, limit: int = MAX_NODES) -> int:
    """Number of nodes of the tree rooted at ``node`` with every alias expanded; a YAMLLimitError as
    soon as it exceeds ``limit`` or when the graph has a cycle. Iterative: any depth is fine."""
    weights: dict[int, int] = {}
    on_path: set[int] = set()
    stack = [(node, False)]
    while stack:
        current, done = stack.pop()
        key = id(current)
        if done:
            on_path.discard(key)
            total = 1 + sum(weights[id(child)] for child in _children(current))
            if total > limit:
                raise YAMLLimitError(f"the YAML expands to more than {limit:,} values through its aliases "
                                     "(&anchor / *alias); relmkt refuses it")
            weights[key] = total
            continue
        if key in weights:
            continue
        if key in on_path:
            raise YAMLLimitError("the YAML refers to itself through an alias (an anchor used inside itself)")
        on_path.add(key)
        stack.append((current, True))
        for child in _children(current):
            if id(child) not in weights:
                if id(child) in on_path:
                    raise YAMLLimitError("the YAML refers to itself through an alias (an anchor used inside itself)")
                stack.append((child, False))
    return weights[id(node)]


def _children(node):
    if isinstance(node, yaml.SequenceNode):
        return list(node.value)
    if isinstance(node, yaml.MappingNode):
        return [n for pair in node.value for n in pair]
    return []


def flow_depth(text, stop: int = MAX_DEPTH) -> int:
    """The deepest nesting of ``[`` and ``{`` in ``text``, counted up to ``stop + 1`` (a bracket inside
    quotes counts too: an upper bound, checked before PyYAML's scanner, which looks ahead over every
    open bracket)."""
    if isinstance(text, bytes):
        text = text.decode("utf-8", "replace")
    if text.count("[") + text.count("{") <= stop:
        return text.count("[") + text.count("{")
    depth = deepest = 0
    for match in re.finditer(r"[\[\]{}]", text):
        if match.group() in "[{":
            depth += 1
            deepest = max(deepest, depth)
            if deepest > stop:
                break
        elif depth:
            depth -= 1
    return deepest


_BOUNDED: dict[type, type] = {}


def _bounded(loader: type) -> type:
    """``loader`` with a limit on the depth of nesting, checked node by node as the document is composed."""
    if loader not in _BOUNDED:
        class Bounded(loader):
            _depth = 0

            def compose_node(self, parent, index):
                self._depth += 1
                try:
                    if self._depth > MAX_DEPTH:
                        raise YAMLLimitError(f"the YAML is nested too deeply (more than {MAX_DEPTH} levels)")
                    return super().compose_node(parent, index)
                finally:
                    self._depth -= 1

        _BOUNDED[loader] = Bounded
    return _BOUNDED[loader]


def load_yaml(text, loader=yaml.SafeLoader, max_nodes: int = MAX_NODES, max_bytes: int = MAX_BYTES):
    """Parse one YAML document (text or UTF-8 bytes) with ``loader`` (default the safe loader)
    within the bounds of this module. Raises :class:`YAMLLimitError` or PyYAML's own errors."""
    if len(text) > max_bytes:
        raise YAMLLimitError(f"the YAML file is larger than {max_bytes:,} bytes")
    if flow_depth(text) > MAX_DEPTH:
        raise YAMLLimitError(f"the YAML is nested too deeply (more than {MAX_DEPTH} levels of [ or {{)")
    ld = _bounded(loader)(text)
    try:
        try:
            node = ld.get_single_node()
        except RecursionError:
            raise YAMLLimitError("the YAML is nested too deeply") from None
        if node is None:
            return None
        expanded_size(node, max_nodes)
        try:
            return ld.construct_document(node)
        except RecursionError:
            raise YAMLLimitError("the YAML is nested too deeply") from None
    finally:
        ld.dispose()
