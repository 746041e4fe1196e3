"""A part-of-speech tagger: word embeddings, an LSTM over the sentence, a linear map to tag
scores and ``log_softmax``, trained with ``NLLLoss`` and SGD one sentence at a time (the
model of PyTorch's "Sequence Models and LSTM Networks" tutorial, in this project's words).

``run(M)`` takes the framework module, ``torch`` or ``tinygrad_rnn``, and uses nothing else.
"""

from weights import load_numpy_weights

SENTENCES = [
    ("the dog ate the apple".split(), ["DET", "NN", "V", "DET", "NN"]),
    ("everybody read that book".split(), ["NN", "V", "DET", "NN"]),
    ("the cat read the book".split(), ["DET", "NN", "V", "DET", "NN"]),
]
TAGS = {"DET": 0, "NN": 1, "V": 2}


def run(M, epochs: int = 20, seed: int = 1) -> dict:
    words = {}
    for sentence, _ in SENTENCES:
        for word in sentence:
            words.setdefault(word, len(words))

    def as_ids(items, index):
        return M.tensor([index[item] for item in items], dtype=M.long)

    class LSTMTagger(M.nn.Module):
        def __init__(self, embedding_dim, hidden_dim, vocab_size, tagset_size):
            super().__init__()
            self.word_embeddings = M.nn.Embedding(vocab_size, embedding_dim)
            self.lstm = M.nn.LSTM(embedding_dim, hidden_dim)
            self.hidden2tag = M.nn.Linear(hidden_dim, tagset_size)

        def forward(self, sentence):
            embeds = self.word_embeddings(sentence)
            lstm_out, _ = self.lstm(embeds.view(len(sentence), 1, -1))
            tag_space = self.hidden2tag(lstm_out.view(len(sentence), -1))
            return M.nn.functional.log_softmax(tag_space, dim=1)

    M.manual_seed(seed)
    model = LSTMTagger(6, 6, len(words), len(TAGS))
    load_numpy_weights(M, model, seed)
    loss_function = M.nn.NLLLoss()
    optimizer = M.optim.SGD(model.parameters(), lr=1.0)

    losses = []
    for _ in range(epochs):
        for sentence, tags in SENTENCES:
            model.zero_grad()
            tag_scores = model(as_ids(sentence, words))
            loss = loss_function(tag_scores, as_ids(tags, TAGS))
            loss.backward()
            optimizer.step()
            losses.append(loss.item())

    with M.no_grad():
        scores = model(as_ids(SENTENCES[0][0], words))
        _, predicted = scores.max(1)
    return {"losses": losses, "predicted": predicted.tolist()}
