# Reads a model-ledger/torch-lm@1 checkpoint (model.json + weights.bin) into a torch model written
# from the spec, and prints the logits at every position of the given token ids as JSON.
# Usage: python3 torch_reference.py DIR TOKENS_JSON
import json, sys
import numpy as np
import torch
import torch.nn.functional as F

torch.set_num_threads(1)
d = sys.argv[1]
cfg = json.load(open(d + "/model.json"))
raw = open(d + "/weights.bin", "rb").read()
W = {}
for t in cfg["tensors"]:
    a = np.frombuffer(raw, dtype="<f4", count=t["length"] // 4, offset=t["offset"]).reshape(t["shape"])
    W[t["name"]] = torch.from_numpy(a.copy()).double()
x = torch.tensor(json.loads(sys.argv[2]), dtype=torch.long)
T, D, H, eps = len(x), cfg["dModel"], cfg["heads"], cfg["layerNormEps"]
h = W["wte"][x] + W["wpe"][:T]
mask = torch.tril(torch.ones(T, T, dtype=torch.bool))
for i in range(cfg["layers"]):
    p = "h.%d." % i
    a = F.layer_norm(h, (D,), W[p + "ln1.weight"], W[p + "ln1.bias"], eps)
    q, k, v = (a @ W[p + "attn.weight"].T + W[p + "attn.bias"]).split(D, dim=-1)
    q, k, v = (z.view(T, H, D // H).transpose(0, 1) for z in (q, k, v))
    s = (q @ k.transpose(-1, -2)) / (D // H) ** 0.5
    s = s.masked_fill(~mask, float("-inf")).softmax(-1)
    out = (s @ v).transpose(0, 1).reshape(T, D)
    h = h + out @ W[p + "proj.weight"].T + W[p + "proj.bias"]
    m = F.layer_norm(h, (D,), W[p + "ln2.weight"], W[p + "ln2.bias"], eps)
    h = h + F.gelu(m @ W[p + "fc.weight"].T + W[p + "fc.bias"], approximate="tanh") @ W[p + "fc2.weight"].T + W[p + "fc2.bias"]
h = F.layer_norm(h, (D,), W["lnf.weight"], W["lnf.bias"], eps)
print(json.dumps((h @ W["wte"].T).tolist()))
