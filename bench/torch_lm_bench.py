#!/usr/bin/env python3
"""Training and greedy-generation tokens/s of the torch-lm worker's model, beside a raw matmul rate
measured in the same run. Usage: python3 bench/torch_lm_bench.py [cpu|cuda] [dModel layers heads context steps]"""
import importlib.util
import os
import sys
import time

here = os.path.dirname(os.path.abspath(__file__))
spec = importlib.util.spec_from_file_location("w", os.path.join(here, "..", "trainer", "workers", "torch_lm_worker.py"))
w = importlib.util.module_from_spec(spec)
spec.loader.exec_module(w)
torch = w.torch

device = torch.device(sys.argv[1] if len(sys.argv) > 1 else "cpu")
D, L, H, C, steps = (int(x) for x in (sys.argv[2:7] if len(sys.argv) >= 7 else (64, 2, 4, 128, 100)))
w.deterministic(1)


def sync():
    if device.type == "cuda":
        torch.cuda.synchronize()


n = 512 if device.type == "cpu" else 4096
a, b = torch.randn(n, n, device=device), torch.randn(n, n, device=device)
a @ b
sync()
t, k = time.perf_counter(), 0
while time.perf_counter() - t < 1.0:
    a @ b
    k += 1
sync()
gflops = 2 * n ** 3 * k / (time.perf_counter() - t) / 1e9

cfg = {"format": w.FORMAT, "vocab": w.VOCAB, "context": C, "dModel": D, "layers": L, "heads": H, "mlp": 4 * D, "layerNormEps": 1e-5}
P = {k: v.to(device).requires_grad_(True) for k, v in w.init_weights(cfg, 1).items()}
opt = w.Optimizer("adam", 3e-3, w.tensor_names(L), P)
g = torch.Generator().manual_seed(0)
batch = 8
seqs = [(torch.randint(0, 256, (C,), generator=g).tolist(), [1] * C) for _ in range(batch)]
tokens = 0
t = time.perf_counter()
for _ in range(steps):
    loss = w.sft_loss(P, cfg, seqs, device, None, 0.0)
    for v in P.values():
        v.grad = None
    loss.backward()
    opt.step()
    tokens += batch * (C - 1)
sync()
train_tps = tokens / (time.perf_counter() - t)

W = {k: v.detach() for k, v in P.items()}
t = time.perf_counter()
out = w.greedy(W, cfg, list(b"### Question:\nhello\n### Answer:\n"), 64, device)
sync()
gen = len(out.encode("utf-8", errors="replace"))  # approximate: replacement chars count 3 bytes
gen_tps = max(gen, 1) / (time.perf_counter() - t)
params = sum(v.numel() for v in W.values())
print("device=%s torch=%s params=%d D=%d L=%d H=%d C=%d" % (w.device_class(device), torch.__version__, params, D, L, H, C))
print("matmul %dx%d: %.1f GFLOP/s" % (n, n, gflops))
print("training: %.0f tokens/s (batch %d x %d, %d steps)" % (train_tps, batch, C, steps))
print("greedy generation (no KV cache): %.0f tokens/s (%d tokens)" % (gen_tps, gen))
