#!/usr/bin/env python3
"""Causal language-model worker for model-ledger's `process:torch-lm` executor.

Usage: torch_lm_worker.py RUN_JSON   (written by trainer/executors/torch-lm.ts)

A small GPT (byte-level, pre-LayerNorm, head tied to the embedding), written here, whose
checkpoints follow docs/lm-format (the `model-ledger/torch-lm@1` contract: model.json +
weights.bin, float32 little-endian, LoRA already merged). RUN_JSON's `task` says what to do:

  train      mode `pretrain` (every parameter, loss on every byte of each example's text),
             `sft` (LoRA adapters on attn/proj/fc of a base checkpoint, loss on answer bytes + END;
             without a base, every parameter from scratch) or `dpo` (LoRA on a base = the SFT
             checkpoint, which is also the frozen reference; loss -log sigmoid(beta * margin)
             over preference pairs).
  evaluate   the held-out metrics of one checkpoint directory (what `done` reported for it).
  attribute  TracIn over the trainable parameters at the recorded checkpoints, per contribution.

Deterministic on CPU: fixed seeds, one thread, deterministic algorithms, a batch order that is a
function of (seed, step), and Adam written out here with its moments saved beside each checkpoint,
so a run resumed from a checkpoint continues exactly as an unbroken one. CUDA when the manifest's
device class says so (CUBLAS_WORKSPACE_CONFIG set before torch loads).

JSON lines on stdout: progress, checkpoint, attribution, done, error.
"""
import os

os.environ.setdefault("CUBLAS_WORKSPACE_CONFIG", ":4096:8")
for _var in ("OMP_NUM_THREADS", "OPENBLAS_NUM_THREADS", "MKL_NUM_THREADS"):
    os.environ.setdefault(_var, "1")

import hashlib  # noqa: E402
import json  # noqa: E402
import math  # noqa: E402
import platform  # noqa: E402
import sys  # noqa: E402
import time  # noqa: E402

import torch  # noqa: E402
import torch.nn.functional as F  # noqa: E402

FORMAT = "model-ledger/torch-lm@1"
ADAPTER_FORMAT = "model-ledger/torch-lm-adapter@1"
STATE_FORMAT = "model-ledger/torch-lm-state@1"
CODE = "torch-lm@1"
TRACIN_METHOD = "tracin-lm@1"
END = 256
VOCAB = 257
LORA_TARGETS = ("attn", "proj", "fc")


def emit(kind, **fields):
    print(json.dumps({"type": kind, **fields}), flush=True)


class Refused(Exception):
    """Bad input: the message says which."""


# ---------------------------------------------------------------- device and determinism


def device_class(device):
    """What a checkpoint's bits depend on besides the code and data: CPU architecture or the GPU model."""
    if device.type == "cuda":
        name = torch.cuda.get_device_name(device)
        major, minor = torch.cuda.get_device_capability(device)
        return "cuda:%s:sm_%d%d" % (name.replace(" ", "-"), major, minor)
    return "cpu:" + platform.machine()


def pick_device(want):
    """The operator's choice (process:torch-lm runs on cpu, process:torch-lm-cuda on cuda), never a guess."""
    if want == "cuda" and not torch.cuda.is_available():
        raise Refused("this executor runs on cuda, and torch sees no CUDA device here")
    if want not in ("cpu", "cuda"):
        raise Refused("device must be cpu or cuda, not %r" % want)
    return torch.device(want)


def deterministic(seed):
    torch.manual_seed(seed)
    torch.set_num_threads(1)
    torch.use_deterministic_algorithms(True)
    if hasattr(torch.backends, "cudnn"):
        torch.backends.cudnn.benchmark = False
        torch.backends.cudnn.deterministic = True
    if hasattr(torch.backends, "cuda") and hasattr(torch.backends.cuda, "matmul"):
        torch.backends.cuda.matmul.allow_tf32 = False
    if hasattr(torch.backends, "cudnn"):
        torch.backends.cudnn.allow_tf32 = False


# ---------------------------------------------------------------- hyperparameters


def number(hp, name, default, lo=None, hi=None, integer=False):
    v = hp.get(name, default)
    if isinstance(v, bool) or not isinstance(v, (int, float)):
        raise Refused("hyperparameter %s must be a number, not %r" % (name, v))
    if integer and v != int(v):
        raise Refused("hyperparameter %s must be an integer, not %r" % (name, v))
    if (lo is not None and v < lo) or (hi is not None and v > hi):
        raise Refused("hyperparameter %s=%r is outside [%s, %s]" % (name, v, lo, hi))
    return int(v) if integer else float(v)


def params_of(manifest, has_base):
    hp = manifest["hyperparameters"]
    mode = hp.get("mode", "sft" if has_base else "pretrain")
    if mode not in ("pretrain", "sft", "dpo"):
        raise Refused("hyperparameter mode must be pretrain, sft or dpo, not %r" % mode)
    if mode == "dpo" and not has_base:
        raise Refused("a dpo job needs a base model (the SFT checkpoint, which is also its reference)")
    if mode == "pretrain" and has_base:
        raise Refused("a pretrain job starts from scratch: it takes no base model (fine-tune with mode sft)")
    lora = has_base
    optimizer = hp.get("optimizer", "adam")
    if optimizer not in ("adam", "sgd"):
        raise Refused("hyperparameter optimizer must be adam or sgd, not %r" % optimizer)
    steps = number(hp, "steps", 200, 1, 10_000_000, True)
    p = {
        "mode": mode,
        "lora": lora,
        "optimizer": optimizer,
        "steps": steps,
        "batch": number(hp, "batch", 8, 1, 4096, True),
        "lr": number(hp, "lr", 1e-2 if lora else 3e-3, 0, 10),
        "checkpointEvery": number(hp, "checkpointEvery", max(1, steps // 2), 1, None, True),
        "holdOutEvery": number(hp, "holdOutEvery", 5, 2, 1_000_000, True),
        "rank": number(hp, "rank", 4, 1, 256, True),
        "alpha": number(hp, "alpha", 8, 0, 1e6),
        "beta": number(hp, "beta", 0.1, 0, 1e3),
        "sftWeight": number(hp, "sftWeight", 0, 0, 1e3),
        "maxNewTokens": number(hp, "maxNewTokens", 32, 1, 4096, True),
        "dModel": number(hp, "dModel", 64, 8, 8192, True),
        "layers": number(hp, "layers", 2, 1, 96, True),
        "heads": number(hp, "heads", 4, 1, 128, True),
        "context": number(hp, "context", 128, 16, 65536, True),
    }
    if p["dModel"] % p["heads"] != 0:
        raise Refused("dModel %d is not a multiple of heads %d" % (p["dModel"], p["heads"]))
    return p


# ---------------------------------------------------------------- the model (functional, named tensors)


def tensor_names(layers):
    names = ["wte", "wpe"]
    for i in range(layers):
        for part in ("ln1.weight", "ln1.bias", "attn.weight", "attn.bias", "proj.weight", "proj.bias", "ln2.weight", "ln2.bias", "fc.weight", "fc.bias", "fc2.weight", "fc2.bias"):
            names.append("h.%d.%s" % (i, part))
    return names + ["lnf.weight", "lnf.bias"]


def shapes(cfg):
    V, C, D, L = cfg["vocab"], cfg["context"], cfg["dModel"], cfg["layers"]
    M = cfg["mlp"]
    out = {"wte": [V, D], "wpe": [C, D], "lnf.weight": [D], "lnf.bias": [D]}
    for i in range(L):
        p = "h.%d." % i
        out.update({p + "ln1.weight": [D], p + "ln1.bias": [D], p + "attn.weight": [3 * D, D], p + "attn.bias": [3 * D], p + "proj.weight": [D, D], p + "proj.bias": [D], p + "ln2.weight": [D], p + "ln2.bias": [D], p + "fc.weight": [M, D], p + "fc.bias": [M], p + "fc2.weight": [D, M], p + "fc2.bias": [D]})
    return out


def config_of(p):
    return {"format": FORMAT, "vocab": VOCAB, "context": p["context"], "dModel": p["dModel"], "layers": p["layers"], "heads": p["heads"], "mlp": 4 * p["dModel"], "layerNormEps": 1e-5}


def init_weights(cfg, seed):
    g = torch.Generator().manual_seed(seed)
    P = {}
    for name, shape in shapes(cfg).items():
        if name.endswith("ln1.weight") or name.endswith("ln2.weight") or name == "lnf.weight":
            P[name] = torch.ones(shape)
        elif name.endswith(".bias"):
            P[name] = torch.zeros(shape)
        else:
            std = 0.02
            if name.endswith("proj.weight") or name.endswith("fc2.weight"):
                std = 0.02 / math.sqrt(2 * cfg["layers"])
            P[name] = torch.randn(shape, generator=g) * std
    return P


def init_lora(cfg, rank, seed):
    g = torch.Generator().manual_seed(seed * 7919 + 17)
    s = shapes(cfg)
    A = {}
    for i in range(cfg["layers"]):
        for t in LORA_TARGETS:
            out_f, in_f = s["h.%d.%s.weight" % (i, t)]
            A["h.%d.%s.lora_a" % (i, t)] = torch.randn([rank, in_f], generator=g) / math.sqrt(in_f)
            A["h.%d.%s.lora_b" % (i, t)] = torch.zeros([out_f, rank])
    return A


def adapter_names(cfg):
    return ["h.%d.%s.lora_%s" % (i, t, ab) for i in range(cfg["layers"]) for t in LORA_TARGETS for ab in ("a", "b")]


def forward(P, cfg, x, lora=None, scale=0.0):
    """Logits [B, T, V] for token ids x [B, T]; lora: the adapters (B @ A added to attn/proj/fc, times scale)."""
    B, T = x.shape
    D, H = cfg["dModel"], cfg["heads"]
    hd = D // H
    eps = cfg["layerNormEps"]

    def lin(v, name):
        y = F.linear(v, P[name + ".weight"], P[name + ".bias"])
        if lora is not None and (name + ".lora_a") in lora:
            y = y + (v @ lora[name + ".lora_a"].t() @ lora[name + ".lora_b"].t()) * scale
        return y

    h = F.embedding(x, P["wte"]) + P["wpe"][:T]
    causal = torch.ones(T, T, dtype=torch.bool, device=x.device).tril()
    for i in range(cfg["layers"]):
        p = "h.%d." % i
        a = F.layer_norm(h, (D,), P[p + "ln1.weight"], P[p + "ln1.bias"], eps)
        q, k, v = lin(a, p + "attn").split(D, dim=-1)
        q = q.view(B, T, H, hd).transpose(1, 2)
        k = k.view(B, T, H, hd).transpose(1, 2)
        v = v.view(B, T, H, hd).transpose(1, 2)
        s = (q @ k.transpose(-2, -1)) / math.sqrt(hd)
        s = s.masked_fill(~causal, float("-inf"))
        o = (s.softmax(dim=-1) @ v).transpose(1, 2).reshape(B, T, D)
        h = h + lin(o, p + "proj")
        m = F.layer_norm(h, (D,), P[p + "ln2.weight"], P[p + "ln2.bias"], eps)
        h = h + lin(F.gelu(lin(m, p + "fc"), approximate="tanh"), p + "fc2")
    h = F.layer_norm(h, (D,), P["lnf.weight"], P["lnf.bias"], eps)
    return h @ P["wte"].t()


def merged(P, lora, scale):
    """The weights with W + scale * B @ A folded in: what weights.bin holds and the server runs."""
    if lora is None:
        return {k: v.detach() for k, v in P.items()}
    out = {k: v.detach() for k, v in P.items()}
    for name in list(out):
        if name.endswith(".weight") and (name[: -len(".weight")] + ".lora_a") in lora:
            base = name[: -len(".weight")]
            out[name] = (out[name] + scale * (lora[base + ".lora_b"].detach() @ lora[base + ".lora_a"].detach())).detach()
    return out


# ---------------------------------------------------------------- files: tensor tables, float32 little-endian


def to_bytes(t):
    t = t.detach().to("cpu", torch.float32).contiguous()
    if sys.byteorder != "little":
        raise Refused("this worker writes float32 little-endian and runs on a big-endian host")
    try:
        return t.numpy().tobytes()
    except Exception:  # torch without numpy
        import struct

        flat = t.reshape(-1).tolist()
        return struct.pack("<%df" % len(flat), *flat)


def write_table(directory, json_name, bin_name, header, names, tensors):
    table, blobs, at = [], [], 0
    for name in names:
        b = to_bytes(tensors[name])
        table.append({"name": name, "shape": list(tensors[name].shape), "offset": at, "length": len(b)})
        blobs.append(b)
        at += len(b)
    with open(os.path.join(directory, bin_name), "wb") as f:
        for b in blobs:
            f.write(b)
    with open(os.path.join(directory, json_name), "w") as f:
        f.write(json.dumps({**header, "tensors": table}, sort_keys=True, separators=(",", ":")) + "\n")


def read_table(directory, json_name, bin_name):
    meta = json.load(open(os.path.join(directory, json_name)))
    data = open(os.path.join(directory, bin_name), "rb").read()
    out = {}
    for t in meta["tensors"]:
        n = 1
        for d in t["shape"]:
            n *= d
        if t["length"] != 4 * n or t["offset"] + t["length"] > len(data):
            raise Refused("%s: tensor %s does not fit its shape or the file" % (json_name, t["name"]))
        chunk = bytearray(data[t["offset"]: t["offset"] + t["length"]])
        out[t["name"]] = torch.frombuffer(chunk, dtype=torch.float32).clone().reshape(t["shape"]) if n else torch.zeros(t["shape"])
    return meta, out


def load_model(directory):
    meta, P = read_table(directory, "model.json", "weights.bin")
    if meta.get("format") != FORMAT:
        raise Refused("%s is not a %s checkpoint" % (directory, FORMAT))
    cfg = {k: meta[k] for k in ("format", "vocab", "context", "dModel", "layers", "heads", "mlp", "layerNormEps")}
    want = shapes(cfg)
    if sorted(P) != sorted(want) or any(list(P[k].shape) != want[k] for k in want):
        raise Refused("%s: the tensors do not match the configuration" % directory)
    return cfg, P, meta.get("training", {})


def save_checkpoint(directory, cfg, weights, training, adapter=None, state=None):
    """Writes into DIR.partial, then renames: a checkpoint directory is complete or absent."""
    partial = directory + ".partial"
    os.makedirs(partial, exist_ok=True)
    for f in os.listdir(partial):
        os.remove(os.path.join(partial, f))
    write_table(partial, "model.json", "weights.bin", {**cfg, "training": training}, tensor_names(cfg["layers"]), weights)
    if adapter is not None:
        header = {"format": ADAPTER_FORMAT, "rank": adapter["rank"], "alpha": adapter["alpha"], "targets": list(LORA_TARGETS), "base": training.get("base")}
        write_table(partial, "adapter.json", "adapter.bin", header, adapter_names(cfg), adapter["tensors"])
    if state is not None:
        names = sorted(state["moments"])
        write_table(partial, "trainer-state.json", "optimizer.bin", {"format": STATE_FORMAT, **state["header"]}, names, state["moments"])
    os.replace(partial, directory)


# ---------------------------------------------------------------- data


def prompt_of(question):
    return "### Question:\n" + question + "\n### Answer:\n"


def utf8(text):
    return list(text.encode("utf-8"))


def held_out(item_id, every):
    digest = item_id if all(c in "0123456789abcdef" for c in item_id[:8]) and len(item_id) >= 8 else hashlib.sha256(item_id.encode()).hexdigest()
    return int(digest[:8], 16) % every == 0


def doc_seq(text, C):
    """Pretraining: every byte of the text then END, the first C tokens; loss on all of them."""
    toks = (utf8(text) + [END])[:C]
    return toks, [1] * len(toks)


def qa_seq(question, answer, C):
    """Prompt, answer, END; the loss mask covers answer + END. A long prompt loses its start."""
    ans = utf8(answer) + [END]
    if len(ans) >= C:
        raise Refused("an answer of %d bytes does not fit the context %d" % (len(ans) - 1, C))
    pr = utf8(prompt_of(question))
    pr = pr[max(0, len(pr) - (C - len(ans))):]
    return pr + ans, [0] * len(pr) + [1] * len(ans)


def load_examples(path):
    return [json.loads(line) for line in open(path) if line.strip()]


def load_pairs(path):
    pairs = []
    for line in open(path):
        if not line.strip():
            continue
        v = json.loads(line)
        for k in ("id", "prompt", "chosen", "rejected"):
            if not isinstance(v.get(k), str):
                raise Refused("a preference pair lacks a string %s" % k)
        pairs.append(v)
    return pairs


class Data:
    def __init__(self, run, p, C):
        every = p["holdOutEvery"]
        examples = load_examples(run["dataset"])
        self.docs_train, self.docs_held = [], []
        self.qa_train, self.qa_held = [], []
        for e in examples:
            held = held_out(e["contributionId"], every)
            (self.docs_held if held else self.docs_train).append((e["contributionId"], doc_seq(e["text"], C)))
            if e.get("label", "unlabelled") != "unlabelled":
                item = (e["contributionId"], qa_seq(e["text"], e["label"], C), e["text"], e["label"])
                (self.qa_held if held else self.qa_train).append(item)
        self.pairs_train, self.pairs_held = [], []
        if run.get("preferences"):
            for v in load_pairs(run["preferences"]):
                pair = (v["id"], qa_seq(v["prompt"], v["chosen"], C), qa_seq(v["prompt"], v["rejected"], C))
                (self.pairs_held if held_out(v["id"], every) else self.pairs_train).append(pair)

    def training_items(self, mode):
        if mode == "pretrain":
            items = self.docs_train
        elif mode == "sft":
            items = [(i, s) for i, s, _, _ in self.qa_train]
        else:
            items = [(i, (c, r)) for i, c, r in self.pairs_train]
        if not items:
            raise Refused({"pretrain": "no training examples", "sft": "sft needs labelled training examples (the answer is the label)", "dpo": "dpo needs preference pairs in the training split"}[mode])
        return items


def pad(seqs, device):
    """Right-padded ids and loss masks (the causal mask keeps padding out of earlier positions)."""
    T = max(len(t) for t, _ in seqs)
    ids = torch.zeros(len(seqs), T, dtype=torch.long)
    mask = torch.zeros(len(seqs), T)
    for row, (t, m) in enumerate(seqs):
        ids[row, : len(t)] = torch.tensor(t, dtype=torch.long)
        mask[row, : len(m)] = torch.tensor(m, dtype=torch.float32)
    return ids.to(device), mask.to(device)


def token_logps(P, cfg, seqs, device, lora=None, scale=0.0):
    """Per sequence: the summed log-probability of its masked next tokens, and how many there were."""
    ids, mask = pad(seqs, device)
    logits = forward(P, cfg, ids[:, :-1], lora, scale)
    logp = logits.log_softmax(dim=-1)
    picked = (logp * F.one_hot(ids[:, 1:], VOCAB).to(logp.dtype)).sum(dim=-1)
    m = mask[:, 1:]
    return (picked * m).sum(dim=1), m.sum(dim=1)


def batch_indices(n, batch, seed, step):
    """The training items of one step: consecutive slices of per-epoch permutations, a function of (seed, step)."""
    out, pos = [], step * batch
    while len(out) < batch:
        epoch, at = divmod(pos, n)
        order = torch.randperm(n, generator=torch.Generator().manual_seed(seed * 1_000_003 + epoch)).tolist()
        take = min(batch - len(out), n - at)
        out.extend(order[at: at + take])
        pos += take
    return out


# ---------------------------------------------------------------- losses and metrics


def sft_loss(P, cfg, seqs, device, lora, scale):
    lp, n = token_logps(P, cfg, seqs, device, lora, scale)
    return -(lp.sum() / n.sum())


def dpo_logits(P, ref, cfg, pairs, device, lora, scale, beta, with_nll=False):
    """beta * ((log pi(c) - log ref(c)) - (log pi(r) - log ref(r))) per pair (and the chosen answers' mean NLL per token)."""
    seqs = [c for c, _ in pairs] + [r for _, r in pairs]
    lp, n = token_logps(P, cfg, seqs, device, lora, scale)
    with torch.no_grad():
        rp, _ = token_logps(ref, cfg, seqs, device)
    k = len(pairs)
    logits = beta * ((lp[:k] - rp[:k]) - (lp[k:] - rp[k:]))
    return (logits, -(lp[:k].sum() / n[:k].sum())) if with_nll else logits


def greedy(P, cfg, prompt_ids, limit, device):
    C = cfg["context"]
    toks = list(prompt_ids)
    out = []
    with torch.no_grad():
        for _ in range(limit):
            x = torch.tensor([toks[-C:]], dtype=torch.long, device=device)
            nxt = int(forward(P, cfg, x)[0, -1].argmax().item())  # the first (lowest id) on ties
            if nxt == END:
                break
            out.append(nxt)
            toks.append(nxt)
    return bytes(out).decode("utf-8", errors="replace")


def chunks(items, size):
    for i in range(0, len(items), size):
        yield items[i: i + size]


def lm_metrics(P, cfg, data, p, device, prefix=""):
    """Held-out answer perplexity and exact-match of greedy answers (labelled items), text perplexity (all)."""
    m = {}
    with torch.no_grad():
        if data.docs_held:
            tot, cnt = 0.0, 0.0
            for part in chunks([s for _, s in data.docs_held], 16):
                lp, n = token_logps(P, cfg, part, device)
                tot += float(lp.sum())
                cnt += float(n.sum())
            m[prefix + "text_perplexity"] = math.exp(-tot / cnt)
        if data.qa_held:
            tot, cnt = 0.0, 0.0
            for part in chunks([s for _, s, _, _ in data.qa_held], 16):
                lp, n = token_logps(P, cfg, part, device)
                tot += float(lp.sum())
                cnt += float(n.sum())
            m[prefix + "eval_loss"] = -tot / cnt
            m[prefix + "perplexity"] = math.exp(-tot / cnt)
            hits = 0
            for _, seq, question, answer in data.qa_held:
                prompt = seq[0][: len(seq[0]) - (len(utf8(answer)) + 1)]
                hits += greedy(P, cfg, prompt, min(p["maxNewTokens"], len(utf8(answer)) + 8), device) == answer
            m[prefix + "exact_match"] = hits / len(data.qa_held)
    return m


def pref_metrics(P, ref, cfg, pairs, beta, device, name):
    if not pairs:
        return {}
    with torch.no_grad():
        margins = torch.cat([dpo_logits(P, ref, cfg, [(c, r) for _, c, r in part], device, None, 0.0, beta) for part in chunks(pairs, 16)])
    out = {name + "_margin": float(margins.mean())}
    if name == "pref":
        out["pref_accuracy"] = float((margins > 0).float().mean())
        out["pref_pairs"] = len(pairs)
    return out


# ---------------------------------------------------------------- optimizer (written out, so its state is plain tensors)


class Optimizer:
    def __init__(self, kind, lr, names, params):
        self.kind, self.lr, self.names, self.params = kind, lr, names, params
        self.b1, self.b2, self.eps = 0.9, 0.999, 1e-8
        self.t = 0
        self.m = {n: torch.zeros_like(params[n]) for n in names} if kind == "adam" else {}
        self.v = {n: torch.zeros_like(params[n]) for n in names} if kind == "adam" else {}

    def step(self):
        self.t += 1
        with torch.no_grad():
            for n in self.names:
                w, g = self.params[n], self.params[n].grad
                if self.kind == "sgd":
                    w.sub_(self.lr * g)
                    continue
                self.m[n].mul_(self.b1).add_(g * (1 - self.b1))
                self.v[n].mul_(self.b2).add_(g * g * (1 - self.b2))
                mhat = self.m[n] / (1 - self.b1 ** self.t)
                vhat = self.v[n] / (1 - self.b2 ** self.t)
                w.sub_(self.lr * mhat / (vhat.sqrt() + self.eps))
                self.params[n].grad = None

    def state(self, step):
        moments = {}
        for n in self.names if self.kind == "adam" else []:
            moments["m." + n] = self.m[n]
            moments["v." + n] = self.v[n]
        return {"header": {"step": step, "optimizer": {"kind": self.kind, "lr": self.lr, "beta1": self.b1, "beta2": self.b2, "eps": self.eps, "t": self.t}}, "moments": moments}

    def restore(self, header, moments, device):
        if header["optimizer"]["kind"] != self.kind:
            raise Refused("the checkpoint's optimizer is %s, the manifest's %s" % (header["optimizer"]["kind"], self.kind))
        self.t = header["optimizer"]["t"]
        for n in self.names if self.kind == "adam" else []:
            self.m[n] = moments["m." + n].to(device)
            self.v[n] = moments["v." + n].to(device)


# ---------------------------------------------------------------- a job's state


class Job:
    """The model of a run: base weights (frozen when LoRA), the trainable tensors, the reference for DPO."""

    def __init__(self, run, manifest):
        self.run, self.manifest = run, manifest
        base = run.get("base")
        self.p = params_of(manifest, base is not None)
        self.device = pick_device(run.get("device", "cpu"))
        self.device_class = device_class(self.device)
        expected = run.get("deviceClass")
        if expected and expected != self.device_class:
            raise Refused("the manifest was made for device class %s; this is %s (checkpoints reproduce on the same device class)" % (expected, self.device_class))
        deterministic(manifest["seed"])
        if base is not None:
            self.cfg, W, _ = load_model(base["dir"])
            self.base_root = base["root"]
        else:
            self.cfg = config_of(self.p)
            W = init_weights(self.cfg, manifest["seed"])
            self.base_root = None
        self.W = {k: v.to(self.device) for k, v in W.items()}
        self.scale = self.p["alpha"] / self.p["rank"]
        if self.p["lora"]:
            for v in self.W.values():
                v.requires_grad_(False)
            self.lora = {k: v.to(self.device).requires_grad_(True) for k, v in init_lora(self.cfg, self.p["rank"], manifest["seed"]).items()}
            self.trainable, self.names = self.lora, adapter_names(self.cfg)
        else:
            self.lora = None
            for v in self.W.values():
                v.requires_grad_(True)
            self.trainable, self.names = self.W, tensor_names(self.cfg["layers"])
        # DPO's reference is the base itself (the SFT checkpoint), frozen.
        self.ref = {k: v.detach() for k, v in self.W.items()} if self.p["mode"] == "dpo" else None
        self.data = Data(run, self.p, self.cfg["context"])
        self.opt = Optimizer(self.p["optimizer"], self.p["lr"], self.names, self.trainable)

    def training(self, step):
        lora = {"rank": self.p["rank"], "alpha": self.p["alpha"], "targets": list(LORA_TARGETS)} if self.p["lora"] else None
        return {"code": CODE, "mode": self.p["mode"], "step": step, "base": self.base_root, "lora": lora, "deviceClass": self.device_class, "torch": torch.__version__.split("+")[0], "jobId": self.manifest["jobId"]}

    def load_trainable(self, directory):
        if self.p["lora"]:
            _, A = read_table(directory, "adapter.json", "adapter.bin")
        else:
            _, A = read_table(directory, "model.json", "weights.bin")
        for n in self.names:
            if n not in A:
                raise Refused("%s lacks tensor %s" % (directory, n))
            with torch.no_grad():
                self.trainable[n].copy_(A[n].to(self.device))

    def resume(self, directory):
        self.load_trainable(directory)
        header, moments = read_table(directory, "trainer-state.json", "optimizer.bin")
        self.opt.restore(header, moments, self.device)
        return header["step"]

    def weights(self):
        return merged(self.W, self.lora, self.scale)

    def loss(self, items):
        if self.p["mode"] == "dpo":
            logits, nll = dpo_logits(self.W, self.ref, self.cfg, [s for _, s in items], self.device, self.lora, self.scale, self.p["beta"], True)
            # sftWeight > 0 adds the chosen answers' NLL, which keeps DPO from lowering their likelihood (and the task metric).
            loss = -F.logsigmoid(logits).mean()
            return loss + self.p["sftWeight"] * nll if self.p["sftWeight"] > 0 else loss
        return sft_loss(self.W, self.cfg, [s for _, s in items], self.device, self.lora, self.scale)

    def metrics(self, weights):
        """The held-out metrics of merged weights (the served model); also the base's, for comparison."""
        m = lm_metrics(weights, self.cfg, self.data, self.p, self.device)
        if self.p["lora"]:
            m.update(lm_metrics(self.W, self.cfg, self.data, self.p, self.device, prefix="base_"))
        if self.p["mode"] == "dpo":
            m.update(pref_metrics(weights, self.ref, self.cfg, self.data.pairs_held, self.p["beta"], self.device, "pref"))
            m.update(pref_metrics(weights, self.ref, self.cfg, self.data.pairs_train, self.p["beta"], self.device, "train_pref"))
        m["train_examples"] = len(self.data.training_items(self.p["mode"]))
        m["eval_examples"] = len(self.data.qa_held) if self.data.qa_held else len(self.data.docs_held)
        m["cuda"] = 1 if self.device.type == "cuda" else 0
        return m


# ---------------------------------------------------------------- tasks


def train(run, manifest):
    job = Job(run, manifest)
    p = job.p
    items = job.data.training_items(p["mode"])
    start = job.resume(run["resume"]["dir"]) if run.get("resume") else 0
    total, tokens, began = p["steps"], 0, time.perf_counter()
    for step in range(start, total):
        chosen = [items[i] for i in batch_indices(len(items), p["batch"], manifest["seed"], step)]
        loss = job.loss(chosen)
        for n in job.names:
            job.trainable[n].grad = None
        loss.backward()
        job.opt.step()
        done = step + 1
        tokens += sum(len(s[0]) if p["mode"] != "dpo" else len(s[0][0]) + len(s[1][0]) for _, s in chosen)
        if done % max(1, total // 20) == 0 or done == total:
            elapsed = max(time.perf_counter() - began, 1e-9)
            emit("progress", step=done, totalSteps=total, metrics={"train_loss": float(loss), "tokens_per_s": tokens / elapsed})
        if done % p["checkpointEvery"] == 0 or done == total:
            directory = os.path.join(run["checkpointsDir"], "step-%010d" % done)
            weights = job.weights()
            adapter = {"rank": p["rank"], "alpha": p["alpha"], "tensors": job.lora} if p["lora"] else None
            save_checkpoint(directory, job.cfg, weights, job.training(done), adapter, job.opt.state(done))
            final = job.metrics(weights) if done == total else {}
            emit("checkpoint", step=done, dir=directory, metrics={"train_loss": float(loss), **final})
            if done == total:
                emit("done", metrics=final)
                return
    # Resumed at or past the last step: the final checkpoint is already recorded.
    job.load_trainable(run["resume"]["dir"])
    emit("done", metrics=job.metrics(job.weights()))


def evaluate(run, manifest):
    job = Job(run, manifest)
    _, W, _ = load_model(run["evaluateDir"])
    emit("done", metrics=job.metrics({k: v.to(job.device) for k, v in W.items()}))


def flat_grad(job, loss):
    grads = torch.autograd.grad(loss, [job.trainable[n] for n in job.names])
    return torch.cat([g.reshape(-1) for g in grads])


def attribute(run, manifest):
    """TracIn: score(i) = sum over checkpoints of lr * grad loss(i) . grad loss(held-out), over the trainable tensors."""
    job = Job(run, manifest)
    mode = job.p["mode"]
    if mode == "dpo":
        # Contributions are the datanet's items: their influence on the held-out task loss, at the DPO checkpoints.
        train_items = [(i, s) for i, s, _, _ in job.data.qa_train]
        held = [s for _, s, _, _ in job.data.qa_held]
    elif mode == "sft":
        train_items = [(i, s) for i, s, _, _ in job.data.qa_train]
        held = [s for _, s, _, _ in job.data.qa_held]
    else:
        train_items, held = job.data.docs_train, [s for _, s in job.data.docs_held]
    scores = {i: 0.0 for i, _ in train_items}
    if held and train_items:
        for c in run["checkpoints"]:
            job.load_trainable(c["dir"])
            g_eval = flat_grad(job, sft_loss(job.W, job.cfg, held, job.device, job.lora, job.scale))
            for i, s in train_items:
                g = flat_grad(job, sft_loss(job.W, job.cfg, [s], job.device, job.lora, job.scale))
                scores[i] += job.p["lr"] * float(g @ g_eval)
    emit("attribution", method=TRACIN_METHOD, checkpoints=len(run["checkpoints"]), scores=scores)
    emit("done", metrics={})


def main(run_path):
    if run_path == "--device-class":
        # What the executor records in the manifest's code version before any job runs.
        print(device_class(pick_device(sys.argv[2] if len(sys.argv) > 2 else "cpu")), flush=True)
        return
    run = json.load(open(run_path))
    manifest = run["manifest"]
    task = run.get("task", "train")
    if task == "train":
        train(run, manifest)
    elif task == "evaluate":
        evaluate(run, manifest)
    elif task == "attribute":
        attribute(run, manifest)
    else:
        raise Refused("unknown task %r" % task)


if __name__ == "__main__":
    try:
        main(sys.argv[1])
    except Exception as error:  # the trainer records the reason; the exit code says it failed
        emit("error", message=("%s: %s" % (type(error).__name__, error))[:180])
        sys.exit(1)
