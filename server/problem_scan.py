"""Which problem codes each operation can answer, read from the source.

A code is a string like ``stock.insufficient`` given to a category of ``DomainError`` (``NotFound``,
``Rejected``...: its status comes from ``server/problems.py``'s table) or to ``Problem`` (or to a
helper that builds one). An operation can answer every code raised in its handler and in what the
handler calls, transitively, as far as names can be followed through imports. That is a reading of
the code, not a proof, so it errs on the side of listing a code too many. ``server/problem_codes.py``
holds the result; ``python -m server.problem_scan`` rewrites it, and a test fails when it is stale.
"""

from __future__ import annotations

import ast
import re
import sys
from collections.abc import Iterator
from dataclasses import dataclass, field
from pathlib import Path

from domain.errors import CATEGORIES
from server.problems import CATEGORY_STATUS

ROOT = Path(__file__).resolve().parent.parent
PACKAGES = ("server", "domain", "realtime", "scanners")
CODE = re.compile(r"^[a-z][a-z_]*\.[a-z][a-z_]*$")
ERROR_TYPES: dict[str, int | None] = {cls.__name__: CATEGORY_STATUS[cls.category] for cls in CATEGORIES}
ERROR_TYPES["Problem"] = None  # its status is its first argument
TABLE = ROOT / "server" / "problem_codes.py"
# Method names that mostly mean a library's method (a session's get, a dict's update): a call to one
# on an object of unknown type is not followed, or every operation would list every code.
GENERIC_METHODS = frozenset(
    {
        "get", "execute", "scalar", "scalars", "all", "one", "first", "items", "values", "keys", "append", "add",
        "update", "pop", "close", "send", "encode", "decode", "copy", "format", "join", "split", "strip",
        "replace", "lower", "upper", "count", "index", "sort", "extend", "remove", "clear", "setdefault", "flush",
        "commit", "rollback", "begin", "fetch", "fetchrow", "fetchval", "run", "start", "stop", "read", "write",
        "view", "load", "__init__", "__post_init__",
    }
)


@dataclass
class _Function:
    module: str
    node: ast.AST
    literals: set[str] = field(default_factory=set)
    calls: set[str] = field(default_factory=set)


@dataclass
class _Module:
    name: str
    tree: ast.Module
    imports: dict[str, str] = field(default_factory=dict)  # local name -> dotted target


def _modules() -> Iterator[_Module]:
    for package in PACKAGES:
        for path in sorted((ROOT / package).rglob("*.py")):
            if "migrations" in path.parts:
                continue
            parts = path.relative_to(ROOT).with_suffix("").parts
            name = ".".join(parts[:-1] if parts[-1] == "__init__" else parts)
            yield _Module(name, ast.parse(path.read_text(encoding="utf-8")))


def _imports(module: _Module) -> None:
    for node in ast.walk(module.tree):
        if isinstance(node, ast.Import):
            for alias in node.names:
                module.imports[alias.asname or alias.name.split(".")[0]] = alias.name
        elif isinstance(node, ast.ImportFrom) and node.module:
            for alias in node.names:
                module.imports[alias.asname or alias.name] = f"{node.module}.{alias.name}"


def _callee(module: _Module, func: ast.expr) -> str | None:
    """The dotted name a call refers to: a local function, an imported one, or module.attribute."""
    if isinstance(func, ast.Name):
        return module.imports.get(func.id, f"{module.name}.{func.id}")
    if isinstance(func, ast.Attribute) and isinstance(func.value, ast.Name):
        if func.value.id in ("self", "cls"):
            return f"{module.name}.*.{func.attr}"
        base = module.imports.get(func.value.id, f"{module.name}.{func.value.id}")
        return f"{base}.{func.attr}"
    if isinstance(func, ast.Attribute):
        return f"?.{func.attr}"  # a method of whatever an expression gave: any method of that name
    return None


def _error_sites(node: ast.AST) -> Iterator[tuple[str | None, int | None]]:
    """(code literal or None, status) for each domain error / Problem built in ``node``."""
    for call in ast.walk(node):
        if not isinstance(call, ast.Call) or not isinstance(call.func, ast.Name) or call.func.id not in ERROR_TYPES:
            continue
        args = list(call.args)
        status = ERROR_TYPES[call.func.id]
        if call.func.id == "Problem" and args and isinstance(args[0], ast.Constant):
            status = args[0].value if isinstance(args[0].value, int) else None
            args = args[1:]
        first = args[0] if args else None
        code = first.value if isinstance(first, ast.Constant) and isinstance(first.value, str) else None
        yield code, status


def _functions(modules: list[_Module]) -> dict[str, _Function]:
    found: dict[str, _Function] = {}
    for module in modules:
        for node in ast.walk(module.tree):
            if isinstance(node, ast.ClassDef):
                for item in node.body:
                    if isinstance(item, ast.FunctionDef | ast.AsyncFunctionDef):
                        found[f"{module.name}.{node.name}.{item.name}"] = _Function(module.name, item)
                        found.setdefault(f"{module.name}.*.{item.name}", _Function(module.name, item))
        for node in module.tree.body:
            if isinstance(node, ast.FunctionDef | ast.AsyncFunctionDef):
                found[f"{module.name}.{node.name}"] = _Function(module.name, node)
            elif isinstance(node, ast.ClassDef):
                # calling a class runs its constructor and (dataclasses) its __post_init__ checks
                built = f"{module.name}.{node.name}"
                found[built] = _Function(module.name, ast.Pass(), calls={f"{built}.__init__", f"{built}.__post_init__"})
        # module-level statements (registration tables) count as the module's own body
        found[f"{module.name}.<module>"] = _Function(module.name, module.tree)
    return found


def scan() -> tuple[dict[str, int], dict[str, list[str]]]:
    """(status of each code, codes of each operation id)."""
    modules = list(_modules())
    by_name = {m.name: m for m in modules}
    for module in modules:
        _imports(module)
    functions = _functions(modules)
    statuses: dict[str, int] = {}
    factories: dict[str, int | None] = {}
    for key, function in functions.items():
        for code, status in _error_sites(function.node):
            if code is None:
                factories[key] = status
            elif CODE.match(code):
                statuses.setdefault(code, status or 409)
    for function in functions.values():
        module = by_name[function.module]
        for node in ast.walk(function.node):
            if isinstance(node, ast.Constant) and isinstance(node.value, str) and CODE.match(node.value):
                function.literals.add(node.value)
            if isinstance(node, ast.Call) and (callee := _callee(module, node.func)):
                function.calls.add(callee)
                if callee in factories:
                    for arg in node.args:
                        if isinstance(arg, ast.Constant) and isinstance(arg.value, str) and CODE.match(arg.value):
                            statuses.setdefault(arg.value, factories[callee] or 409)
    return statuses, _operations(modules, functions, set(statuses))


def _methods(functions: dict[str, _Function]) -> dict[str, list[str]]:
    """Method keys by bare name: a call on an object (``item.to_base(...)``) may reach any of them."""
    found: dict[str, list[str]] = {}
    for key in functions:
        parts = key.split(".")
        if len(parts) > 2 and parts[-2] != "*" and parts[-2][:1].isupper():
            found.setdefault(parts[-1], []).append(key)
    return found


def _reachable_codes(functions: dict[str, _Function], start: str, known: set[str]) -> set[str]:
    methods = _methods(functions)
    seen: set[str] = set()
    todo = [start]
    codes: set[str] = set()
    while todo:
        key = todo.pop()
        if key in seen:
            continue
        seen.add(key)
        if key not in functions:
            name = key.rsplit(".", 1)[-1]
            if name not in GENERIC_METHODS:
                todo.extend(methods.get(name, ()))
            continue
        if key.endswith(".<module>"):
            continue
        codes |= functions[key].literals & known
        todo.extend(functions[key].calls)
    return codes


def _operations(modules: list[_Module], functions: dict[str, _Function], known: set[str]) -> dict[str, list[str]]:
    operations: dict[str, list[str]] = {}
    for module in modules:
        for node in ast.walk(module.tree):
            if not isinstance(node, ast.FunctionDef | ast.AsyncFunctionDef):
                continue
            for decorator in node.decorator_list:
                operation = _operation_id(decorator)
                if operation is None:
                    continue
                key = next(k for k, f in functions.items() if f.node is node and k.split(".")[-2] != "*")
                operations[operation] = sorted(_reachable_codes(functions, key, known))
    return dict(sorted(operations.items()))


def _operation_id(decorator: ast.expr) -> str | None:
    if isinstance(decorator, ast.Call):
        for keyword in decorator.keywords:
            if keyword.arg == "operation_id" and isinstance(keyword.value, ast.Constant):
                return str(keyword.value.value)
    return None


def render(statuses: dict[str, int], operations: dict[str, list[str]]) -> str:
    """The table module's source."""
    lines = [
        '"""Problem codes: the status each answers with, and the codes each operation can answer.',
        "",
        "Generated by ``python -m server.problem_scan`` from the source; do not edit by hand.",
        '"""',
        "",
        "CODE_STATUS: dict[str, int] = {",
        *(f'    "{code}": {status},' for code, status in sorted(statuses.items())),
        "}",
        "",
        "OPERATION_CODES: dict[str, tuple[str, ...]] = {",
    ]
    for operation, codes in operations.items():
        lines.append(f'    "{operation}": (')
        lines.extend(f'        "{code}",' for code in codes)
        lines.append("    ),")
    lines.append("}")
    return "\n".join(lines) + "\n"


def main() -> int:
    """Rewrite the table (``--check``: exit 1 if it is stale)."""
    text = render(*scan())
    if "--check" in sys.argv[1:]:
        return 0 if TABLE.exists() and TABLE.read_text(encoding="utf-8") == text else 1
    TABLE.write_text(text, encoding="utf-8")
    return 0


if __name__ == "__main__":
    sys.exit(main())
