"""The reference as a notebook's sandbox sees it: this notebook's reference modules, stubbed out.

A student's exercise must be their own work, so while a notebook is graded the sandbox does not
hold the reference of that notebook at all. Every module of `nncourse.reference` that defines one
of the notebook's exercises is replaced (a read-only bind mount over the file, see `zygote`) by a
stub: the same source with the body of every function and method, public or private, replaced by
`raise ForbiddenReference("<its name>")`. Classes, constants and imports stay, so everything that
imports from it still imports; the reference modules of other notebooks are the real ones.

So there is no code to reach another way: a reload, a re-import, the source file read and
compiled, a copy made from a code object, a private core (`_dense`, `_forward`) all find the stub.
Calls the notebook's own demo cells make to it fail in the sandbox too, where no one sees them.

    stub_plan(folder) -> {notebook: [(stub file, real file), ...]}   (in the grader, trusted)
"""
from __future__ import annotations

import ast
import os
from pathlib import Path


class ForbiddenReference(BaseException):
    """Raised by a stubbed reference function. A BaseException, so `except Exception` lets it by."""

    def __init__(self, name: str):
        super().__init__(name)
        self.name = str(name)


_RAISE = "_NNCOURSE_FORBIDDEN"


def exercise_modules() -> dict[str, list]:
    """notebook -> the reference modules that define its exercises (by the checks' registry)."""
    import importlib

    import nncourse.reference as reference
    from nncourse.checks import EXERCISES
    modules: dict[str, dict] = {}
    for name, notebook in EXERCISES.items():
        func = getattr(reference, name, None)
        module_name = getattr(func, "__module__", None)
        if module_name and module_name.startswith("nncourse.reference."):
            modules.setdefault(notebook, {})[module_name] = importlib.import_module(module_name)
    return {notebook: list(found.values()) for notebook, found in modules.items()}


def public_name(module, qualname: str) -> str:
    """How a student would write it: nncourse.reference.relu, or nncourse.reference.layers._dense."""
    import nncourse.reference as reference
    top = qualname.split(".")[0]
    if "." not in qualname and getattr(reference, top, None) is getattr(module, top, object()):
        return f"nncourse.reference.{qualname}"
    return f"{module.__name__}.{qualname}"


class _Stubber(ast.NodeTransformer):
    def __init__(self, module):
        self.module = module
        self.scope: list[str] = []

    def _raise(self, qualname: str, node) -> ast.stmt:
        name = public_name(self.module, qualname)
        statement = ast.Raise(exc=ast.Call(func=ast.Name(_RAISE, ast.Load()), args=[ast.Constant(name)], keywords=[]),
                              cause=None)
        return ast.copy_location(statement, node)

    def _function(self, node):
        qualname = ".".join(self.scope + [node.name])
        docstring = node.body[:1] if (node.body and isinstance(node.body[0], ast.Expr)
                                      and isinstance(node.body[0].value, ast.Constant)
                                      and isinstance(node.body[0].value.value, str)) else []
        node.body = docstring + [self._raise(qualname, node)]
        return node

    visit_FunctionDef = visit_AsyncFunctionDef = _function

    def visit_ClassDef(self, node):
        self.scope.append(node.name)
        self.generic_visit(node)
        self.scope.pop()
        return node

    def visit_Lambda(self, node):
        qualname = ".".join(self.scope + ["<lambda>"])
        call = ast.Call(func=ast.Name("_nncourse_forbidden_call", ast.Load()),
                        args=[ast.Constant(public_name(self.module, qualname))], keywords=[])
        node.body = ast.copy_location(call, node)
        return node


_PRELUDE = (f"from nncourse.grading.stubs import ForbiddenReference as {_RAISE}\n"
            "def _nncourse_forbidden_call(name):\n"
            f"    raise {_RAISE}(name)\n")


def stub_source(module) -> str:
    """The module's source with every function body replaced by a ForbiddenReference."""
    path = Path(module.__file__)
    tree = ast.parse(path.read_text(encoding="utf-8"), filename=str(path))
    tree = _Stubber(module).visit(tree)
    body = list(tree.body)
    insert_at = 0
    while insert_at < len(body) and (
            (insert_at == 0 and isinstance(body[0], ast.Expr) and isinstance(body[0].value, ast.Constant))
            or (isinstance(body[insert_at], ast.ImportFrom) and body[insert_at].module == "__future__")):
        insert_at += 1
    tree.body = body[:insert_at] + ast.parse(_PRELUDE).body + body[insert_at:]
    ast.fix_missing_locations(tree)
    header = (f"# Stub of {module.__name__} written by nncourse.grading.stubs for the grading sandbox:\n"
              "# the notebook being graded may not use this reference, so its code is not here.\n")
    return header + ast.unparse(tree) + "\n"


def stub_plan(folder: Path) -> dict[str, list[tuple[str, str]]]:
    """Write every notebook's stubs under `folder`/<notebook>/; return notebook -> [(stub, real)]."""
    plan: dict[str, list[tuple[str, str]]] = {}
    for notebook, modules in sorted(exercise_modules().items()):
        target = Path(folder) / notebook
        target.mkdir(parents=True, exist_ok=True)
        for module in modules:
            real = os.path.realpath(module.__file__)
            stub = target / os.path.basename(real)
            stub.write_text(stub_source(module), encoding="utf-8")
            os.chmod(stub, 0o644)
            plan.setdefault(notebook, []).append((str(stub), real))
        os.chmod(target, 0o755)
    return plan
