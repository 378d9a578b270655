#!/usr/bin/env python3
"""PyTorch training worker for model-ledger's `process` executor.

Usage: torch_worker.py RUN_JSON   (the trainer writes RUN_JSON; see trainer/executors/process.ts)

Trains a text classifier over the verified dataset: hashed bag-of-words -> EmbeddingBag -> Linear.
With a base model (manifest.baseModel naming a model.pt written by an earlier run of this worker),
the base weights are frozen and only LoRA adapters (rank r, on the output layer) are trained and
saved. CUDA when present, CPU otherwise. Deterministic on CPU: fixed seeds, one thread,
deterministic algorithms, plain SGD (no optimizer state), so a run resumed from a checkpoint
continues exactly as an unbroken one. Speaks JSON lines on stdout: progress, checkpoint, done, error.
"""
import json
import os
import sys
import zlib

import torch
from torch import nn

FORMAT = "model-ledger/torch-bow@1"


def emit(kind, **fields):
    print(json.dumps({"type": kind, **fields}), flush=True)


def tokens(text, dims):
    words = [w for w in "".join(c.lower() if c.isalnum() else " " for c in text).split() if w]
    return [zlib.crc32(w.encode("utf-8")) % dims for w in words] or [0]


class LoRALinear(nn.Module):
    """A frozen linear layer plus a trainable low-rank update B @ A, scaled by alpha / rank."""

    def __init__(self, base, rank, alpha):
        super().__init__()
        self.base = base
        for p in self.base.parameters():
            p.requires_grad_(False)
        self.a = nn.Parameter(torch.randn(rank, base.in_features) * 0.01)
        self.b = nn.Parameter(torch.zeros(base.out_features, rank))
        self.scale = alpha / rank

    def forward(self, x):
        return self.base(x) + (x @ self.a.t() @ self.b.t()) * self.scale


class Classifier(nn.Module):
    def __init__(self, dims, width, classes):
        super().__init__()
        self.embed = nn.EmbeddingBag(dims, width, mode="mean")
        self.out = nn.Linear(width, classes)

    def forward(self, flat, offsets):
        return self.out(torch.tanh(self.embed(flat, offsets)))


def batch(items, device):
    flat = torch.tensor([t for toks, _ in items for t in toks], dtype=torch.long, device=device)
    offsets, at = [], 0
    for toks, _ in items:
        offsets.append(at)
        at += len(toks)
    labels = torch.tensor([y for _, y in items], dtype=torch.long, device=device)
    return flat, torch.tensor(offsets, dtype=torch.long, device=device), labels


def evaluate(model, items, device):
    if not items:
        return {"eval_loss": 0.0, "accuracy": 0.0}
    with torch.no_grad():
        flat, offsets, labels = batch(items, device)
        logits = model(flat, offsets)
        loss = nn.functional.cross_entropy(logits, labels).item()
        accuracy = (logits.argmax(dim=1) == labels).float().mean().item()
    return {"eval_loss": loss, "accuracy": accuracy}


def save(model, trainable_only, epoch, classes, directory):
    partial = directory + ".partial"
    os.makedirs(partial, exist_ok=True)
    # A LoRA checkpoint is the adapters alone: the base is named (and hashed) in the manifest.
    state = {k: v.detach().cpu() for k, v in model.state_dict().items() if not trainable_only or k.endswith((".a", ".b"))}
    torch.save(state, os.path.join(partial, "model.pt"))
    with open(os.path.join(partial, "meta.json"), "w") as f:
        json.dump({"format": FORMAT, "epoch": epoch, "classes": classes, "lora": trainable_only}, f, sort_keys=True)
    os.replace(partial, directory)


def main(run_path):
    run = json.load(open(run_path))
    manifest = run["manifest"]
    hp = manifest["hyperparameters"]
    epochs, lr = int(hp.get("epochs", 10)), float(hp.get("lr", 0.5))
    every = int(hp.get("checkpointEvery", max(1, epochs // 4)))
    dims, width, hold = int(hp.get("dims", 1024)), int(hp.get("width", 32)), int(hp.get("holdOutEvery", 5))
    torch.manual_seed(manifest["seed"])
    torch.use_deterministic_algorithms(True)
    torch.set_num_threads(1)
    device = torch.device("cuda" if torch.cuda.is_available() else "cpu")

    examples = [json.loads(line) for line in open(run["dataset"]) if line.strip()]
    classes = sorted({e["label"] for e in examples})
    encoded = [(e["contributionId"], (tokens(e["text"], dims), classes.index(e["label"]))) for e in examples]
    held = [x for i, x in encoded if int(i[:8], 16) % hold == 0] or [encoded[-1][1]]
    train = [x for i, x in encoded if int(i[:8], 16) % hold != 0] or [encoded[0][1]]

    model = Classifier(dims, width, len(classes))
    lora = manifest.get("baseModel") is not None
    if lora:
        model.load_state_dict(torch.load(manifest["baseModel"], map_location="cpu"))
        model.out = LoRALinear(model.out, int(hp.get("rank", 4)), float(hp.get("alpha", 8)))
        for p in model.embed.parameters():
            p.requires_grad_(False)
    start = 0
    if run.get("resume"):
        directory = run["resume"]["dir"]
        model.load_state_dict(torch.load(os.path.join(directory, "model.pt"), map_location="cpu"), strict=not lora)
        start = json.load(open(os.path.join(directory, "meta.json")))["epoch"]
    model.to(device)
    params = [p for p in model.parameters() if p.requires_grad]
    optimizer = torch.optim.SGD(params, lr=lr)
    total = epochs * len(train)
    for epoch in range(start, epochs):
        generator = torch.Generator().manual_seed(manifest["seed"] * 1_000_003 + epoch)
        order = torch.randperm(len(train), generator=generator).tolist()
        loss_sum = 0.0
        for i in order:
            flat, offsets, labels = batch([train[i]], device)
            optimizer.zero_grad()
            loss = nn.functional.cross_entropy(model(flat, offsets), labels)
            loss.backward()
            optimizer.step()
            loss_sum += loss.item()
        done = epoch + 1
        metrics = {"epoch": done, "train_loss": loss_sum / len(train)}
        emit("progress", step=done * len(train), totalSteps=total, metrics=metrics)
        if done % every == 0 or done == epochs:
            step = done * len(train)
            directory = os.path.join(run["checkpointsDir"], "step-%010d" % step)
            save(model, lora, done, classes, directory)
            emit("checkpoint", step=step, dir=directory, metrics={**metrics, **evaluate(model, held, device)})
    emit("done", metrics={**evaluate(model, held, device), "eval_examples": len(held), "train_examples": len(train), "cuda": 1 if device.type == "cuda" else 0})


if __name__ == "__main__":
    try:
        main(sys.argv[1])
    except Exception as error:  # the trainer records the reason; the exit code says it failed
        emit("error", message=f"{type(error).__name__}: {error}"[:180])
        sys.exit(1)
