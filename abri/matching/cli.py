"""The command: ``python -m abri.matching solve FILE`` and ``rank FILE [--request ID]``."""

from __future__ import annotations

import argparse
import json
import sys
from collections.abc import Sequence
from typing import Any

from .explain import Explainer, plan_json
from .model import prepare
from .problem import Problem, ProblemError, parse_problem
from .ranking import rank_context
from .solver import solve

EXIT_INVALID = 2


def _load(path: str) -> Problem:
    try:
        with open(path, encoding="utf-8") as fh:
            data: Any = json.load(fh)
    except OSError as exc:
        raise ProblemError("", f"cannot read {path}: {exc.strerror}") from exc
    except json.JSONDecodeError as exc:
        raise ProblemError("", f"{path} is not valid JSON: {exc}") from exc
    return parse_problem(data)


def main(argv: Sequence[str] | None = None) -> int:
    parser = argparse.ArgumentParser(prog="python -m abri.matching", description=__doc__)
    sub = parser.add_subparsers(dest="command", required=True)
    p_solve = sub.add_parser("solve", help="the plan for all requests, as JSON")
    p_solve.add_argument("file")
    p_solve.add_argument("--time-limit", type=float, default=60.0, help="seconds (default 60)")
    p_rank = sub.add_parser("rank", help="eligible shelters ranked, excluded ones with reasons")
    p_rank.add_argument("file")
    p_rank.add_argument("--request", help="rank only this request id")
    args = parser.parse_args(argv)
    try:
        problem = _load(args.file)
        if args.command == "solve":
            out: Any = plan_json(solve(problem, time_limit=args.time_limit))
        else:
            ex = Explainer(rank_context(prepare(problem)))
            if args.request is not None:
                try:
                    i = problem.request_index(args.request)
                except KeyError:
                    raise ProblemError("--request", f"no request {args.request!r}") from None
                out = ex.rank(i)
            else:
                out = [ex.rank(i) for i in range(len(problem.requests))]
    except ProblemError as exc:
        print(f"invalid problem: {exc}", file=sys.stderr)
        return EXIT_INVALID
    json.dump(out, sys.stdout, ensure_ascii=False, indent=2)
    sys.stdout.write("\n")
    return 0
