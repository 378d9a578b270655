#!/usr/bin/env python3
"""An implementation of docs/lm-format.md written from the document alone, in plain Python (no
torch, no numpy, nothing from this repository): the example checkpoint's files and root, the
forward pass with the document's rounding points, the PRNG, the sampler, generation with the
sliding window, the answer text and its hash. It prints `name = value` lines that
test/domain/lm/format-doc.test.ts finds, line for line, in the document's lm-vectors block: the
document is enough for another language to reproduce the engine bit for bit.
Usage: python3 lm_format_independent.py
"""
import hashlib
import json
import math
import struct

C, D, L, H, F, V, EPS, END = 16, 8, 2, 2, 32, 257, 1e-5, 256
HD = D // H


def f32(x):
    """x rounded to binary32 (nearest even), as a Python float."""
    return struct.unpack("<f", struct.pack("<f", x))[0]


# §1.2 and the test vectors: the example checkpoint's tensors, in table order.
SHAPES = [("wte", [V, D]), ("wpe", [C, D])]
for i in range(L):
    p = "h.%d." % i
    SHAPES += [
        (p + "ln1.weight", [D]), (p + "ln1.bias", [D]), (p + "attn.weight", [3 * D, D]), (p + "attn.bias", [3 * D]),
        (p + "proj.weight", [D, D]), (p + "proj.bias", [D]), (p + "ln2.weight", [D]), (p + "ln2.bias", [D]),
        (p + "fc.weight", [F, D]), (p + "fc.bias", [F]), (p + "fc2.weight", [D, F]), (p + "fc2.bias", [D]),
    ]
SHAPES += [("lnf.weight", [D]), ("lnf.bias", [D])]

W, table, weights = {}, [], b""
for t, (name, shape) in enumerate(SHAPES):
    count = math.prod(shape)
    W[name] = [((37 * (j + 1) + 101 * (t + 1)) % 199 - 99) / 64 for j in range(count)]
    data = struct.pack("<%df" % count, *W[name])
    table.append('{"name":"%s","shape":[%s],"offset":%d,"length":%d}' % (name, ",".join(map(str, shape)), len(weights), len(data)))
    weights += data
model_json = ('{"format":"model-ledger/torch-lm@1","vocab":257,"context":16,"dModel":8,"layers":2,"heads":2,'
              '"mlp":32,"layerNormEps":0.00001,"tensors":[' + ",".join(table) + "]}").encode()


# §2: the root over the two files (sorted by path), an RFC 9162 tree of two leaves.
def entry(path, data):
    canonical = json.dumps({"bytes": len(data), "path": path, "sha256": hashlib.sha256(data).hexdigest()}, separators=(",", ":"), sort_keys=True)
    return hashlib.sha256(canonical.encode()).digest()


left = hashlib.sha256(b"\x00" + entry("model.json", model_json)).digest()
right = hashlib.sha256(b"\x00" + entry("weights.bin", weights)).digest()
print("model.json.sha256 =", hashlib.sha256(model_json).hexdigest())
print("weights.bin.sha256 =", hashlib.sha256(weights).hexdigest())
print("checkpoint.root =", hashlib.sha256(b"\x01" + left + right).hexdigest())


# §4: the forward pass, f64 arithmetic, f32 where the document stores.
def mat_vec(w, b, x, out, inn):
    y = []
    for o in range(out):
        s = 0.0
        for i in range(inn):
            s += w[o * inn + i] * x[i]
        y.append(f32(s if b is None else s + b[o]))
    return y


def layer_norm(x, w, b):
    n = len(x)
    mean = 0.0
    for v in x:
        mean += v
    mean /= n
    var = 0.0
    for v in x:
        var += (v - mean) * (v - mean)
    inv = 1 / math.sqrt(var / n + EPS)
    return [f32((x[i] - mean) * inv * w[i] + b[i]) for i in range(n)]


K = math.sqrt(2 / math.pi)


def gelu(x):
    return 0.5 * x * (1 + math.tanh(K * (x + 0.044715 * x * x * x)))


def last_logits(tokens):
    """The logits after feeding `tokens` from position 0 (whole sequence, keys and values kept)."""
    keys = [[] for _ in range(L)]
    values = [[] for _ in range(L)]
    for t, x in enumerate(tokens):
        h = [f32(W["wte"][x * D + i] + W["wpe"][t * D + i]) for i in range(D)]
        for l in range(L):
            p = "h.%d." % l
            qkv = mat_vec(W[p + "attn.weight"], W[p + "attn.bias"], layer_norm(h, W[p + "ln1.weight"], W[p + "ln1.bias"]), 3 * D, D)
            keys[l].append(qkv[D:2 * D])
            values[l].append(qkv[2 * D:])
            att = [0.0] * D
            scale = 1 / math.sqrt(HD)
            for head in range(H):
                o = head * HD
                scores = []
                for s in range(t + 1):
                    z = 0.0
                    for i in range(HD):
                        z += qkv[o + i] * keys[l][s][o + i]
                    scores.append(z * scale)
                m = max(scores)
                e = [math.exp(v - m) for v in scores]
                total = 0.0
                for v in e:
                    total += v
                for i in range(HD):
                    z = 0.0
                    for s in range(t + 1):
                        z += e[s] * values[l][s][o + i]
                    att[o + i] = f32(z / total)
            proj = mat_vec(W[p + "proj.weight"], W[p + "proj.bias"], att, D, D)
            h = [f32(h[i] + proj[i]) for i in range(D)]
            hidden = [f32(gelu(v)) for v in mat_vec(W[p + "fc.weight"], W[p + "fc.bias"], layer_norm(h, W[p + "ln2.weight"], W[p + "ln2.bias"]), F, D)]
            proj = mat_vec(W[p + "fc2.weight"], W[p + "fc2.bias"], hidden, D, F)
            h = [f32(h[i] + proj[i]) for i in range(D)]
    return mat_vec(W["wte"], None, layer_norm(h, W["lnf.weight"], W["lnf.bias"]), V, D)


# §6: the PRNG and the sampler.
def uniform(seed, step):
    d = hashlib.sha256(("model-ledger/lm-sample@1:%d:%d" % (seed, step)).encode("ascii")).digest()
    return (int.from_bytes(d[:8], "big") >> 11) / 2**53


def pick(logits, temperature, top_p, u):
    if temperature == 0:
        best = 0
        for i in range(1, len(logits)):
            if logits[i] > logits[best]:
                best = i
        return best
    m = max(logits)
    e = [math.exp((v - m) / temperature) for v in logits]
    total = 0.0
    for v in e:
        total += v
    p = [v / total for v in e]
    nucleus, mass = [], 0.0
    for i in sorted(range(len(p)), key=lambda i: (-p[i], i)):
        nucleus.append(i)
        mass += p[i]
        if top_p < 1 and mass >= top_p:
            break
    target, running = u * mass, 0.0
    for i in nucleus:
        running += p[i]
        if running > target:
            return i
    return nucleus[-1]


# §5: generation without stop strings (the window: the last C tokens, fed from position 0).
def generate(question, temperature, top_p, max_tokens, seed):
    sequence = list(("### Question:\n" + question + "\n### Answer:\n").encode("utf-8"))
    sampled = []
    for step in range(max_tokens):
        token = pick(last_logits(sequence[-C:]), temperature, top_p, 0 if temperature == 0 else uniform(seed, step))
        sampled.append(token)
        if token == END:
            break
        sequence.append(token)
    return sampled


# §7: the text (replacement decoding, a leading byte-order mark dropped) and its hash.
def answer_text(tokens):
    text = bytes(t for t in tokens if t != END).decode("utf-8", "replace")
    return text[1:] if text.startswith("\ufeff") else text


prompt = list(b"### Question:\nhi\n### Answer:\n")
logits = last_logits(prompt[-C:])
print("logits.hi.first4 =", ",".join(struct.pack(">f", v).hex() for v in logits[:4]))
print("logits.hi.sha256 =", hashlib.sha256(struct.pack("<257f", *logits)).hexdigest())
for seed, step in ((42, 0), (42, 1), (42, 2), (0, 0), (2**53 - 1, 5)):
    d = hashlib.sha256(("model-ledger/lm-sample@1:%d:%d" % (seed, step)).encode("ascii")).digest()
    print("prng.%d.%d.numerator = %d" % (seed, step, int.from_bytes(d[:8], "big") >> 11))
    print("prng.%d.%d.u = %r" % (seed, step, uniform(seed, step)))
greedy = generate("hi", 0, 1, 24, 0)
print("greedy.hi.tokens =", ",".join(map(str, greedy)))
print("greedy.hi.text =", json.dumps(answer_text(greedy)))
sampled = generate("hi", 0.8, 0.9, 24, 42)
print("sampled.hi.s42.t0.8.p0.9.tokens =", ",".join(map(str, sampled)))
print("sampled.hi.s42.t0.8.p0.9.text =", json.dumps(answer_text(sampled)))
output = answer_text(generate("hi", 1000 / 1000, 950 / 1000, 12, 7))
print("regenerate.hi.s7.t1000.p950.m12.text =", json.dumps(output))
print("regenerate.hi.s7.t1000.p950.m12.hash =", hashlib.sha256(output.encode("utf-8")).hexdigest())
