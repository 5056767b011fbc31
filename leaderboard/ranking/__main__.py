"""``python -m leaderboard.ranking FILE``: rank a battle file without a database."""

from __future__ import annotations

import argparse
import json
import sys
from collections.abc import Sequence

from leaderboard.ranking.api import rank_battles
from leaderboard.ranking.battles import BattleDataError
from leaderboard.ranking.flags import FLAG_TEXT
from leaderboard.ranking.io import BattleFileError, read_battle_file


def _anchor(text: str) -> tuple[str, float]:
    name, sep, rating = text.rpartition("=")
    try:
        if not sep or not name:
            raise ValueError
        return name, float(rating)
    except ValueError:
        raise argparse.ArgumentTypeError(f"expected MODEL=RATING, got {text!r}") from None


def build_parser() -> argparse.ArgumentParser:
    parser = argparse.ArgumentParser(
        prog="python -m leaderboard.ranking",
        description="Bradley-Terry leaderboard with 95%% intervals from a battle file "
        "(clean-battle JSON, JSONL, Parquet or pair-count JSON).",
    )
    parser.add_argument("file")
    parser.add_argument("--ci", choices=("sandwich", "bootstrap"), default="sandwich")
    parser.add_argument("--bootstrap", type=int, default=1000, metavar="N", help="replicates")
    parser.add_argument("--both-bad", choices=("tie", "drop"), default="tie")
    parser.add_argument("--seed", type=int, default=0)
    parser.add_argument("--anchor", type=_anchor, metavar="MODEL=RATING")
    parser.add_argument("--reweight", action="store_true", help="weight battles by 1/P(pair)")
    parser.add_argument("--style", action="store_true",
                        help="style control: read style_a / style_b (a release's per-turn style "
                        "counts) and fit with the style features, as the site's style board")
    parser.add_argument("--device", help="cpu, cuda, ... (default: cuda when available)")
    parser.add_argument("--json", action="store_true", help="print a JSON list of rows")
    return parser


def format_table(rows: list[dict[str, object]]) -> str:
    """Aligned plain-text table; a flags column only when some contender is flagged."""
    flagged = any(r.get("flags") for r in rows)
    headers = ("rank", "model", "rating", "lower", "upper", "votes", "flags")[: 7 if flagged else 6]
    cells = [
        [
            "-" if r["rank"] is None else str(r["rank"]),
            str(r["model"]),
            f"{r['rating']:.1f}",
            "" if r["lower"] is None else f"{r['lower']:.1f}",
            "" if r["upper"] is None else f"{r['upper']:.1f}",
            str(r["votes"]),
            ",".join(r.get("flags", [])),
        ][: len(headers)]
        for r in rows
    ]
    widths = [max(len(h), *(len(c[i]) for c in cells)) for i, h in enumerate(headers)]
    lines = []
    for line in [list(headers), *cells]:
        parts = [
            cell.ljust(w) if i == 1 else cell.rjust(w)
            for i, (cell, w) in enumerate(zip(line, widths, strict=True))
        ]
        lines.append("  ".join(parts).rstrip())
    return "\n".join(lines)


def format_notes(rows: list[dict[str, object]]) -> str:
    """One line per flag in use, naming the contenders it applies to."""
    lines = []
    for flag, text in FLAG_TEXT.items():
        named = [str(r["model"]) for r in rows if flag in r["flags"]]  # type: ignore[operator]
        if named:
            lines.append(f"not ranked ({text}): {', '.join(named)}")
    return "\n".join(lines)


def main(argv: Sequence[str] | None = None) -> int:
    args = build_parser().parse_args(argv)
    try:
        battles = read_battle_file(args.file, style=args.style)
        result = rank_battles(
            battles,
            ci=args.ci,
            num_bootstrap=args.bootstrap,
            seed=args.seed,
            both_bad=args.both_bad,
            anchor=args.anchor,
            reweight=args.reweight,
            device=args.device,
            style=args.style,
        )
    except (BattleFileError, BattleDataError, ValueError, RuntimeError) as exc:
        print(f"error: {exc}", file=sys.stderr)
        return 2
    if not result.converged:
        print(f"warning: the fit did not converge ({result.convergence['status']})", file=sys.stderr)
    rows = result.rows()
    if args.json:
        print(json.dumps(rows, indent=1))
        return 0
    # A name may hold anything a file could, a lone surrogate included: escape what the
    # terminal cannot show rather than fail on it.
    if hasattr(sys.stdout, "reconfigure"):
        sys.stdout.reconfigure(errors="backslashreplace")
    print(format_table(rows))
    notes = format_notes(rows)
    if notes:
        print(notes)
    return 0


if __name__ == "__main__":
    sys.exit(main())
