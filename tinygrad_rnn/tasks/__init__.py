"""Training tasks from the source material, run by ``tinygrad-rnn train NAME``.

Every task but ``hello`` is a module with the same small interface, which the trainer
(:mod:`tinygrad_rnn.tasks.runner`) drives:

- ``SUMMARY`` (one line), ``SHAPE`` (many-to-one, many-to-many, ...), ``DEFAULTS`` (the
  options ``cell, hidden, layers, bidirectional, dropout, optimizer, lr, clip, batch,
  seq_len, steps, eval_every``), ``METRIC``, ``HIGHER_IS_BETTER``, ``ALLOWS_BIDIRECTIONAL``;
- ``make_data(config, seed)``: the data, held-out split included, the same for a seed;
- ``build_model(config, data)``: the model (the trainer seeds the package's generator first);
- ``sample_batch(data, config, rng, step)``: the training batch of ``step``, drawn only
  from ``rng``, so that a resumed run sees the same batches;
- ``loss(model, batch)``, ``evaluate(model, data, config)``, ``baseline(data, config)``,
  ``report(model, data, config)`` (lines shown at each evaluation) and
  ``picture(model, data, config, path)`` (the task's own plot).

``hello`` is the source material's hand-written RNN; it keeps its own ``run(steps, seed,
log)``.
"""

from . import adding, caption, charlm, forecast, hello, sentiment, tag, translate

TASKS = {"hello": hello, "charlm": charlm, "forecast": forecast, "sentiment": sentiment,
         "tag": tag, "translate": translate, "caption": caption, "adding": adding}
