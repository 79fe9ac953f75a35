"""Average the weights of several checkpoints of one log-mel training run into one.

Consecutive kept checkpoints of the log-mel network score very differently on real
voices (held out 0.78-0.83 from one 500-step checkpoint to the next in session 31),
so a single pick is partly luck. The element-wise mean of the weights of the late
checkpoints (Izmailov et al. 2018, "Averaging Weights Leads to Wider Optima") is one
network that sits among them. The network normalises with LayerNorm only, so there are
no running statistics to recompute after averaging. Usage::

    python -m training.average_checkpoints out/avg.pt out/train/step_00{30,35,40}00.pt
"""

from __future__ import annotations

import argparse
from pathlib import Path


class AverageError(ValueError):
    """The checkpoints cannot be averaged (a one-line reason naming the file)."""


def average_state_dicts(states: list[dict], names: list[str]) -> dict:
    """The element-wise mean of ``states`` (each a network's ``state_dict``).

    Floating-point tensors are averaged in float64 and cast back; any other tensor (an
    integer buffer) must be equal in every state and is kept. ``names`` label the states
    in errors. Raises :class:`AverageError` on different keys or shapes.
    """
    import torch

    first = states[0]
    for state, name in zip(states[1:], names[1:]):
        if state.keys() != first.keys():
            raise AverageError(f"{name}: its weights are not those of {names[0]}")
        for key, value in state.items():
            if value.shape != first[key].shape:
                raise AverageError(f"{name}: {key} has shape {tuple(value.shape)}, "
                                   f"{names[0]} {tuple(first[key].shape)}")
    mean = {}
    for key, value in first.items():
        if value.is_floating_point():
            total = sum(state[key].to(torch.float64) for state in states)
            mean[key] = (total / len(states)).to(value.dtype)
        elif all(torch.equal(state[key], value) for state in states):
            mean[key] = value.clone()
        else:
            raise AverageError(f"{key} is not a float and differs between checkpoints")
    return mean


def average_checkpoints(paths: list[Path], out: Path) -> dict:
    """Write to ``out`` the network whose weights average those of ``paths``.

    All checkpoints must hold networks of the same dimensions. The result records the
    sources and their steps in ``extra["averaged_from"]``, keeps the first checkpoint's
    training config, and carries no optimiser state. Returns its ``step`` (the latest
    source's) and ``extra``.
    """
    from talkrig.model.checkpoint import load_checkpoint, save_checkpoint

    if len(paths) < 2:
        raise AverageError("averaging needs at least two checkpoints")
    nets, docs = zip(*(load_checkpoint(path) for path in paths))
    for path, net in zip(paths[1:], nets[1:]):
        if net.dims != nets[0].dims:
            raise AverageError(f"{path}: dimensions {net.dims} differ from {paths[0]}'s")
    names = [str(path) for path in paths]
    net = nets[0]
    net.load_state_dict(average_state_dicts([n.state_dict() for n in nets], names))
    sources = [{"path": str(path), "step": doc["step"]} for path, doc in zip(paths, docs)]
    extra = {"averaged_from": sources, "config": docs[0]["extra"].get("config")}
    step = max(doc["step"] for doc in docs)
    save_checkpoint(out, net, step=step, extra=extra)
    return {"step": step, "extra": extra}


def main(argv: list[str] | None = None) -> int:
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0],
                                     formatter_class=argparse.ArgumentDefaultsHelpFormatter)
    parser.add_argument("out", type=Path, help="the averaged checkpoint to write (.pt)")
    parser.add_argument("checkpoints", type=Path, nargs="+",
                        help="checkpoints of one run (same dimensions), two or more")
    parser.add_argument("--force", action="store_true", help="overwrite an existing OUT")
    args = parser.parse_args(argv)
    if args.out.exists() and not args.force:
        parser.error(f"{args.out}: exists (use --force to overwrite)")
    for path in args.checkpoints:
        if not path.is_file():
            parser.error(f"{path}: no such checkpoint")
    try:
        doc = average_checkpoints(args.checkpoints, args.out)
    except AverageError as err:
        parser.error(str(err))
    print(f"{args.out}: mean of {len(args.checkpoints)} checkpoints "
          f"(steps {', '.join(str(s['step']) for s in doc['extra']['averaged_from'])})")
    return 0


if __name__ == "__main__":
    raise SystemExit(main())
