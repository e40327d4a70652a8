"""PyTorch reference point for `ultramem bench train` (not a project dependency).

Times one AdamW training step of the same dense decoder-only LM as configs/dense-256x6.json:
tied embeddings, pre-RMSNorm, RoPE causal attention, SwiGLU FFN. Prints tokens/s (median of N
steps after warm-up). Run with Debian's python3 (python3-torch): /usr/bin/python3 dense_train_step.py
"""
import argparse, json, math, statistics, time
import torch
import torch.nn as nn
import torch.nn.functional as F


class RMSNorm(nn.Module):
    def __init__(self, d, eps=1e-5):
        super().__init__()
        self.w = nn.Parameter(torch.ones(d))
        self.eps = eps

    def forward(self, x):
        return x * torch.rsqrt(x.pow(2).mean(-1, keepdim=True) + self.eps) * self.w


def rope(x, cos, sin):  # x [B, H, T, hd], GPT-NeoX half split
    h = x.shape[-1] // 2
    x1, x2 = x[..., :h], x[..., h:]
    return torch.cat([x1 * cos - x2 * sin, x2 * cos + x1 * sin], dim=-1)


class Block(nn.Module):
    def __init__(self, d, heads, inner):
        super().__init__()
        self.heads = heads
        self.n1, self.n2 = RMSNorm(d), RMSNorm(d)
        self.q, self.k, self.v, self.o = (nn.Linear(d, d, bias=False) for _ in range(4))
        self.gate, self.up = nn.Linear(d, inner, bias=False), nn.Linear(d, inner, bias=False)
        self.down = nn.Linear(inner, d, bias=False)

    def forward(self, x, cos, sin, mask):
        B, T, D = x.shape
        hd = D // self.heads
        a = self.n1(x)
        q = self.q(a).view(B, T, self.heads, hd).transpose(1, 2)
        k = self.k(a).view(B, T, self.heads, hd).transpose(1, 2)
        v = self.v(a).view(B, T, self.heads, hd).transpose(1, 2)
        q, k = rope(q, cos, sin), rope(k, cos, sin)
        att = (q @ k.transpose(-1, -2)) / math.sqrt(hd)
        att = att.masked_fill(mask, float("-inf")).softmax(-1)
        y = (att @ v).transpose(1, 2).reshape(B, T, D)
        x = x + self.o(y)
        f = self.n2(x)
        return x + self.down(F.silu(self.gate(f)) * self.up(f))


class LM(nn.Module):
    def __init__(self, vocab, d, layers, heads, inner, seq):
        super().__init__()
        self.emb = nn.Embedding(vocab, d)
        self.blocks = nn.ModuleList(Block(d, heads, inner) for _ in range(layers))
        self.norm = RMSNorm(d)
        hd = d // heads
        inv = 10000.0 ** (-torch.arange(0, hd // 2).float() * 2 / hd)
        ang = torch.arange(seq).float()[:, None] * inv[None, :]
        self.register_buffer("cos", ang.cos())
        self.register_buffer("sin", ang.sin())
        self.register_buffer("mask", torch.triu(torch.ones(seq, seq, dtype=torch.bool), 1))

    def forward(self, idx, tgt):
        x = self.emb(idx)
        for b in self.blocks:
            x = b(x, self.cos, self.sin, self.mask)
        logits = self.norm(x) @ self.emb.weight.t()
        return F.cross_entropy(logits.view(-1, logits.shape[-1]), tgt.view(-1))


def main():
    p = argparse.ArgumentParser()
    p.add_argument("--config", default="configs/dense-256x6.json")
    p.add_argument("--steps", type=int, default=8)
    p.add_argument("--threads", type=int, default=2)
    a = p.parse_args()
    cfg = json.load(open(a.config))
    tr = cfg["training"]
    torch.set_num_threads(a.threads)
    torch.manual_seed(0)
    B, T = tr["batch_size"], tr["seq_len"]
    m = LM(cfg["vocab_size"], cfg["hidden_size"], cfg["num_hidden_layers"], cfg["num_attention_heads"],
           cfg["intermediate_size"], T)
    opt = torch.optim.AdamW(m.parameters(), lr=3e-4, betas=(0.9, 0.95), weight_decay=0.1)
    idx = torch.randint(0, cfg["vocab_size"], (B, T))
    tgt = torch.randint(0, cfg["vocab_size"], (B, T))
    times = []
    for s in range(3 + a.steps):
        t0 = time.perf_counter()
        opt.zero_grad(set_to_none=True)
        loss = m(idx, tgt)
        loss.backward()
        opt.step()
        if s >= 3:
            times.append(time.perf_counter() - t0)
    med = statistics.median(times)
    print(json.dumps({"torch": torch.__version__, "threads": a.threads, "batch_tokens": B * T,
                      "step_ms": med * 1e3, "tokens_per_s": B * T / med}))


if __name__ == "__main__":
    main()
