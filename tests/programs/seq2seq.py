"""Sequence to sequence with additive (Bahdanau) attention: the model of PyTorch's "NLP From
Scratch: Translation with a Sequence to Sequence Network and Attention" tutorial, on a toy
task (write a digit string backwards). A GRU encoder; a GRU decoder that at each step
scores every encoder output with :math:`v^\\top \\tanh(W_a q + U_a k)`, turns the scores
into weights with ``softmax`` and takes the weighted sum with ``bmm``. Training feeds the
decoder the true previous token (teacher forcing); decoding feeds it its own best guess
(``topk(1)``).

Dropout is 0 so that both frameworks compute the same numbers (their random streams differ).
``run(M)`` uses only the framework module ``M``.
"""

import numpy as np

from weights import load_numpy_weights

SOS, EOS = 0, 1
DIGITS = 6                      # tokens 2..7 are the digits 0..5
LENGTH = 4                      # digits per sequence; the target adds EOS
MAX_LENGTH = LENGTH + 1


def make_pairs(count: int = 16, seed: int = 0):
    """``count`` (digits, reversed digits + EOS) pairs of token ids."""
    rng = np.random.default_rng(seed)
    source = rng.integers(2, 2 + DIGITS, (count, LENGTH))
    target = np.concatenate([source[:, ::-1], np.full((count, 1), EOS)], axis=1)
    return source.astype(np.int64), target.astype(np.int64)


def run(M, epochs: int = 30, hidden_size: int = 12, batch_size: int = 8, seed: int = 6) -> dict:
    nn, F = M.nn, M.nn.functional
    vocabulary = 2 + DIGITS

    class EncoderRNN(nn.Module):
        def __init__(self, input_size, hidden_size, dropout_p=0.0):
            super().__init__()
            self.embedding = nn.Embedding(input_size, hidden_size)
            self.gru = nn.GRU(hidden_size, hidden_size, batch_first=True)
            self.dropout = nn.Dropout(dropout_p)

        def forward(self, input):
            embedded = self.dropout(self.embedding(input))
            output, hidden = self.gru(embedded)
            return output, hidden

    class BahdanauAttention(nn.Module):
        def __init__(self, hidden_size):
            super().__init__()
            self.Wa = nn.Linear(hidden_size, hidden_size)
            self.Ua = nn.Linear(hidden_size, hidden_size)
            self.Va = nn.Linear(hidden_size, 1)

        def forward(self, query, keys):
            scores = self.Va(M.tanh(self.Wa(query) + self.Ua(keys)))
            scores = scores.squeeze(2).unsqueeze(1)
            weights = F.softmax(scores, dim=-1)
            context = M.bmm(weights, keys)
            return context, weights

    class AttnDecoderRNN(nn.Module):
        def __init__(self, hidden_size, output_size, dropout_p=0.0):
            super().__init__()
            self.embedding = nn.Embedding(output_size, hidden_size)
            self.attention = BahdanauAttention(hidden_size)
            self.gru = nn.GRU(2 * hidden_size, hidden_size, batch_first=True)
            self.out = nn.Linear(hidden_size, output_size)
            self.dropout = nn.Dropout(dropout_p)

        def forward(self, encoder_outputs, encoder_hidden, target_tensor=None):
            batch_size = encoder_outputs.size(0)
            decoder_input = M.full((batch_size, 1), SOS, dtype=M.long)
            decoder_hidden = encoder_hidden
            decoder_outputs, attentions = [], []
            for i in range(MAX_LENGTH):
                decoder_output, decoder_hidden, attn_weights = self.forward_step(
                    decoder_input, decoder_hidden, encoder_outputs)
                decoder_outputs.append(decoder_output)
                attentions.append(attn_weights)
                if target_tensor is not None:
                    decoder_input = target_tensor[:, i].unsqueeze(1)   # teacher forcing
                else:
                    _, topi = decoder_output.topk(1)
                    decoder_input = topi.squeeze(-1).detach()         # its own guess
            decoder_outputs = M.cat(decoder_outputs, dim=1)
            decoder_outputs = F.log_softmax(decoder_outputs, dim=-1)
            attentions = M.cat(attentions, dim=1)
            return decoder_outputs, decoder_hidden, attentions

        def forward_step(self, input, hidden, encoder_outputs):
            embedded = self.dropout(self.embedding(input))
            query = hidden.permute(1, 0, 2)
            context, attn_weights = self.attention(query, encoder_outputs)
            input_gru = M.cat((embedded, context), dim=2)
            output, hidden = self.gru(input_gru, hidden)
            output = self.out(output)
            return output, hidden, attn_weights

    M.manual_seed(seed)
    encoder = EncoderRNN(vocabulary, hidden_size)
    decoder = AttnDecoderRNN(hidden_size, vocabulary)
    load_numpy_weights(M, encoder, seed)
    load_numpy_weights(M, decoder, seed + 1)
    encoder_optimizer = M.optim.Adam(encoder.parameters(), lr=0.02)
    decoder_optimizer = M.optim.Adam(decoder.parameters(), lr=0.02)
    criterion = nn.NLLLoss()

    source, target = make_pairs()
    losses = []
    for _ in range(epochs):
        for start in range(0, len(source), batch_size):
            input_tensor = M.tensor(source[start:start + batch_size])
            target_tensor = M.tensor(target[start:start + batch_size])
            encoder_optimizer.zero_grad()
            decoder_optimizer.zero_grad()
            encoder_outputs, encoder_hidden = encoder(input_tensor)
            decoder_outputs, _, _ = decoder(encoder_outputs, encoder_hidden, target_tensor)
            loss = criterion(decoder_outputs.view(-1, decoder_outputs.size(-1)),
                             target_tensor.view(-1))
            loss.backward()
            encoder_optimizer.step()
            decoder_optimizer.step()
            losses.append(loss.item())

    encoder.eval()
    decoder.eval()
    with M.no_grad():
        encoder_outputs, encoder_hidden = encoder(M.tensor(source[:4]))
        decoder_outputs, _, attentions = decoder(encoder_outputs, encoder_hidden)
        _, decoded_ids = decoder_outputs.topk(1)
    return {"losses": losses, "decoded": decoded_ids.reshape(-1).tolist(),
            "attention_sums": attentions.sum(dim=-1).reshape(-1).tolist()}   # each row sums to 1
