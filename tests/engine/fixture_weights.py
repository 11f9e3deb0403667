"""Random weights and rounded references for the generated model folders
(make-family-models.py, make-mpnet-models.py, make-electra-models.py, make-albert-models.py,
make-settings-models.py)."""
import torch


def randomize(model, seed, spreads=None):
    """Every parameter drawn from N(0, 0.2^2), LayerNorm weights from N(1, 0.2^2), from a
    generator seeded with seed. spreads: {name part: standard deviation} for parameters
    drawn wider or narrower (MPNet's relative_attention_bias)."""
    generator = torch.Generator().manual_seed(seed)
    with torch.no_grad():
        for name, parameter in model.named_parameters():
            noise = torch.randn(parameter.shape, generator=generator)
            is_norm = "LayerNorm" in name or "layer_norm" in name
            spread = next((s for part, s in (spreads or {}).items() if part in name), None)
            if is_norm and name.endswith("weight"):
                parameter.copy_(1 + 0.2 * noise)
            elif spread is not None:
                parameter.copy_(spread * noise)
            else:
                parameter.copy_(0.2 * noise)


def rounded(values):
    """Nested lists of floats to 8 significant digits: far below the tolerance, and small."""
    if isinstance(values, list):
        return [rounded(v) for v in values]
    return float("%.8g" % values)


def reference_line(head, ids, type_ids, outputs, labels):
    """A reference.jsonl line of a model of head (encoder, sequence or token) on ids and
    type_ids: outputs' embedding and first token, logits, probabilities and label, or token
    logits and labels, rounded."""
    line = {"ids": ids, "type_ids": type_ids}
    if head == "encoder":
        line["embedding"] = rounded(outputs["embedding"].tolist())
        line["last_hidden_state_first_token"] = rounded(outputs["first_token"].tolist())
    elif head == "sequence":
        logits = outputs["logits"]
        line.update(logits=rounded(logits.tolist()), probs=rounded(torch.softmax(logits, -1).tolist()),
                    label=labels[int(logits.argmax())])
    else:
        logits = outputs["token_logits"]
        line.update(token_logits=rounded(logits.tolist()), token_labels=[labels[int(i)] for i in logits.argmax(-1)])
    return line
