"""The runs of ``tasks.py`` and ``torch_tasks.py``: each task of ``tinygrad-rnn train``, its
options, its goal in words and the check of that goal on (value, baseline)."""

# (task, extra options, target as text, the check of (value, baseline))
RUNS = [
    ("charlm", [], "val loss ≤ 1.65 nats/char", lambda v, b: v <= 1.65),
    ("forecast", [], "MSE ≤ 0.7 × naive", lambda v, b: v <= 0.7 * b),
    ("sentiment", [], "accuracy ≥ 0.95", lambda v, b: v >= 0.95),
    ("tag", ["--bidirectional"], "accuracy ≥ 0.98", lambda v, b: v >= 0.98),
    ("tag", [], "accuracy ≤ 0.9 (unidirectional)", lambda v, b: v <= 0.9),
    ("translate", [], "exact match ≥ 0.90", lambda v, b: v >= 0.90),
    ("caption", [], "exact match ≥ 0.90", lambda v, b: v >= 0.90),
    ("adding", ["--cell", "lstm"], "MSE ≤ 0.01", lambda v, b: v <= 0.01),
    ("adding", ["--cell", "gru"], "MSE ≤ 0.01", lambda v, b: v <= 0.01),
    ("adding", ["--cell", "rnn"], "MSE ≥ 0.1", lambda v, b: v >= 0.1),
]
