"""One writer of ``Request.status``: ``abri.referrals.workflow.apply``, which checks the table.

A scan of every module in ``abri/`` (migrations included) for code that writes a ``status``:
an assignment to ``<x>.status``, ``update(status=...)``, ``create(status=...)`` and the like,
``defaults={"status": ...}``, ``setattr(x, "status", ...)``, ``bulk_update(..., ["status"])``.
Each must be the workflow's writer or one of a short list of places that write another model's
own status (a proposal, a support step, a residence permit), named by file, function and
receiver. A new writer, even of another model, fails here until someone looks at it.
"""

from __future__ import annotations

import ast
from fnmatch import fnmatch
from pathlib import Path

import pytest

import abri
from abri.placements import effects
from abri.referrals import workflow

ROOT = Path(abri.__file__).parent
WRITE_METHODS = {"update", "create", "get_or_create", "update_or_create", "bulk_create", "bulk_update"}

# (file under abri/, function, receiver) -> whose status it writes.
WRITER = {
    ("referrals/workflow.py", "apply", "locked"): "Request: the one writer",
    ("referrals/workflow.py", "apply", "request"): "Request: the caller's copy brought up to date",
}
OTHER_MODELS = {
    ("placements/services.py", "_release", "proposal"): "Proposal",
    ("placements/services.py", "proposal_agree", "locked"): "Proposal",
    ("placements/services.py", "interview_confirm", "locked"): "Proposal",
    ("placements/services.py", "arrival_confirm", "locked"): "Proposal",
    ("support/services.py", "step_save", "step"): "SupportStep",
    ("support/services.py", "permit_save", "permit"): "ResidencePermit",
    # Migrations are renumbered at merge: matched by name.
    ("placements/migrations/*_end_stale_holds.py", "end_stale_holds", "Proposal"): "Proposal",
}


def _allowed(key: tuple[str, str, str]) -> bool:
    return any(
        fnmatch(key[0], file) and key[1:] == (function, receiver)
        for file, function, receiver in WRITER | OTHER_MODELS
    )


def _root(node: ast.AST) -> str:
    """The name a call chain starts from: ``Proposal`` for ``Proposal.objects.filter().update``."""
    while True:
        if isinstance(node, ast.Attribute):
            node = node.value
        elif isinstance(node, ast.Call):
            node = node.func
        elif isinstance(node, ast.Subscript):
            node = node.value
        elif isinstance(node, ast.Name):
            return node.id
        else:
            return ast.unparse(node)


def _is_status(node: ast.AST | None) -> bool:
    return isinstance(node, ast.Constant) and node.value == "status"


def _has_status_key(node: ast.AST | None) -> bool:
    return isinstance(node, ast.Dict) and any(_is_status(k) for k in node.keys)


class _Scan(ast.NodeVisitor):
    def __init__(self) -> None:
        self.functions: list[str] = ["<module>"]
        self.found: list[tuple[str, str, int]] = []

    def _add(self, receiver: str, node: ast.AST) -> None:
        self.found.append((self.functions[-1], receiver, getattr(node, "lineno", 0)))

    def visit_FunctionDef(self, node: ast.FunctionDef | ast.AsyncFunctionDef) -> None:
        self.functions.append(node.name)
        self.generic_visit(node)
        self.functions.pop()

    visit_AsyncFunctionDef = visit_FunctionDef

    def _targets(self, target: ast.AST, node: ast.AST) -> None:
        if isinstance(target, ast.Tuple | ast.List):
            for element in target.elts:
                self._targets(element, node)
        elif isinstance(target, ast.Starred):
            self._targets(target.value, node)
        elif isinstance(target, ast.Attribute) and target.attr == "status":
            self._add(ast.unparse(target.value), node)

    def visit_Assign(self, node: ast.Assign) -> None:
        for target in node.targets:
            self._targets(target, node)
        self.generic_visit(node)

    def visit_AnnAssign(self, node: ast.AnnAssign) -> None:
        self._targets(node.target, node)
        self.generic_visit(node)

    def visit_AugAssign(self, node: ast.AugAssign) -> None:
        self._targets(node.target, node)
        self.generic_visit(node)

    def visit_Call(self, node: ast.Call) -> None:
        func = node.func
        name = func.attr if isinstance(func, ast.Attribute) else getattr(func, "id", "")
        if name == "setattr" and len(node.args) >= 2 and _is_status(node.args[1]):
            self._add(ast.unparse(node.args[0]), node)
        if name in WRITE_METHODS or name == "Request":
            receiver = _root(func)
            for keyword in node.keywords:
                if (
                    keyword.arg == "status"
                    or (keyword.arg in ("defaults", "create_defaults") and _has_status_key(keyword.value))
                    or (keyword.arg is None and _has_status_key(keyword.value))
                ):
                    self._add(receiver, node)
            if name == "bulk_update":
                fields = [*node.args[1:2], *[k.value for k in node.keywords if k.arg == "fields"]]
                for value in fields:
                    if isinstance(value, ast.List | ast.Tuple) and any(_is_status(e) for e in value.elts):
                        self._add(receiver, node)
        self.generic_visit(node)


def status_writes(source: str) -> list[tuple[str, str, int]]:
    scan = _Scan()
    scan.visit(ast.parse(source))
    return scan.found


def all_status_writes() -> dict[tuple[str, str, str], list[int]]:
    found: dict[tuple[str, str, str], list[int]] = {}
    for path in sorted(ROOT.rglob("*.py")):
        relative = path.relative_to(ROOT).as_posix()
        for function, receiver, line in status_writes(path.read_text(encoding="utf-8")):
            found.setdefault((relative, function, receiver), []).append(line)
    return found


def test_only_the_workflow_writes_a_request_status():
    found = all_status_writes()
    unexpected = {
        f"abri/{file}:{lines[0]} {function}() writes {receiver}.status"
        for (file, function, receiver), lines in found.items()
        if not _allowed((file, function, receiver))
    }
    assert not unexpected, (
        "Request.status is written only by abri.referrals.workflow.apply (it checks the table and "
        "runs the side effects). If this writes another model's own status, add it to OTHER_MODELS."
        f" Found: {sorted(unexpected)}"
    )


def test_the_allow_list_has_no_stale_entry():
    """Every allowed writer still exists: an entry left behind would let a new one in unseen."""
    found = all_status_writes()
    for file, function, receiver in WRITER | OTHER_MODELS:
        assert any(fnmatch(f, file) and (fn, r) == (function, receiver) for f, fn, r in found), file


@pytest.mark.parametrize(
    "source",
    [
        "def f(request):\n    request.status = 'closed'\n",
        "def f(locked):\n    locked.request.status = 'closed'\n",
        "def f(r):\n    r.status, r.urgency = 'closed', 'normal'\n",
        "def f(pk):\n    Request.objects.filter(pk=pk).update(status='closed')\n",
        "def f(req):\n    req.proposals.update(status='withdrawn')\n",
        "def f(pk):\n    Request.objects.update_or_create(pk=pk, defaults={'status': 'closed'})\n",
        "def f(pk):\n    Request.objects.filter(pk=pk).update(**{'status': 'closed'})\n",
        "def f(r):\n    setattr(r, 'status', 'closed')\n",
        "def f(rs):\n    Request.objects.bulk_update(rs, ['status'])\n",
        "def f(p):\n    return Request(person=p, status='searching')\n",
    ],
)
def test_the_scan_sees_each_way_of_writing_a_status(source):
    """The scan would catch a return of ``placements._set_status`` or any of its cousins."""
    assert status_writes(source)


def test_the_placements_side_effect_is_registered():
    """Without it, leaving the search would leave places held: ``apply`` refuses to run then."""
    assert workflow.EFFECTS["placements.end_holds"] is effects.end_holds
    assert workflow.EFFECTS.keys() >= workflow.REQUIRED_EFFECTS
