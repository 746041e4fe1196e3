"""``tinygrad-rnn train TASK``: train one of the source material's tasks."""

from ..tasks import TASKS


def _train(args) -> int:
    result = TASKS[args.task].run(steps=args.steps, seed=args.seed)
    print(f"final loss {result['loss']:.4f}, prediction {result['prediction']!r}")
    return 0


def add_parser(commands) -> None:
    train = commands.add_parser("train", help="train a task from the source material")
    train.add_argument("task", nargs="?", default="hello", choices=sorted(TASKS))
    train.add_argument("--steps", type=int, default=200, help="optimizer steps (default 200)")
    train.add_argument("--seed", type=int, default=0, help="random seed (default 0)")
    train.set_defaults(run=_train)
