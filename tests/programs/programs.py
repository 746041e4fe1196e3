"""The PyTorch-style programs compared across frameworks, by name: each entry is a function
of the framework module that returns the program's numbers (those that do not depend on a
framework's random stream)."""

import charlm
import classifier
import seq2seq
import sine_lbfgs
import tagger
import wordlm


def _charlm(M):
    result = charlm.run(M)
    del result["sample"]   # drawn from the framework's own random stream
    return result


PROGRAMS = {
    "tagger": tagger.run,
    "classifier_gru_bidirectional": lambda M: classifier.run(M, "GRU", bidirectional=True),
    "classifier_rnn": lambda M: classifier.run(M, "RNN", bidirectional=False),
    "charlm": _charlm,
    "sine_lbfgs": sine_lbfgs.run,
    "wordlm": wordlm.run,
    "seq2seq": seq2seq.run,
}
