"""PyTorch reference point for `ultramem bench layer` (not a project dependency).

A plain-PyTorch transcription of the UltraMem V1 layer forward (ultramem-spec.md §A.3, the same
tensor ops the official layer uses: torch.topk, gathers, einsum, index_add), checked against a
golden file, then timed forward and forward+backward at the reference shapes A and B.
Run with Debian's python3 (python3-torch): /usr/bin/python3 ultramem_layer.py --golden FILE
"""
import argparse, json, statistics, struct, time
import torch


def rms(x, w, eps=1e-5):
    return x * torch.rsqrt(x.pow(2).mean(-1, keepdim=True) + eps) * w


def forward(p, x, knn, heads, r, T, E, n, N):
    B = x.shape[0]
    dk = p["query_norm.weight"].shape[0]
    q = x @ p["query_proj.weight"].t()
    qr, qc = rms(q[:, :dk], p["query_norm.weight"]), rms(q[:, dk:], p["query_norm.weight"])
    kn = rms(p["keys"].transpose(-1, -2), p["keys_norm.weight"])            # [H,2,n,r,Dk]
    H = kn.shape[0]
    srow = (qr @ kn[:, 0].reshape(H * n * r, dk).t()).view(B, H, n, r)       # [B,H,n,r]
    scol = (qc @ kn[:, 1].reshape(H * n * r, dk).t()).view(B, H, n, r)
    crow = (srow * p["tucker_u"][None, :, None, :]).sum(-1)
    ccol = (scol * p["tucker_v"][None, :, None, :]).sum(-1)
    irow = crow.topk(knn, dim=-1).indices                                     # [B,H,m]
    icol = ccol.topk(knn, dim=-1).indices
    a = srow.gather(2, irow[..., None].expand(-1, -1, -1, r))                 # [B,H,m,r]
    bc = scol.gather(2, icol[..., None].expand(-1, -1, -1, r))
    cores = torch.stack([p[f"tucker_core.{t}"] for t in range(T)])            # [T,H,r,r]
    g = (a[None] @ cores[:, None]) @ bc[None].transpose(-1, -2)              # [T,B,H,m,m]
    top = g.sum(0).flatten(-2).topk(knn, dim=-1).indices                      # [B,H,k]
    w = g.flatten(-2).gather(-1, top[None].expand(T, -1, -1, -1))             # [T,B,H,k]
    z = irow.gather(2, top // knn) * n + icol.gather(2, top % knn)            # [B,H,k]
    vi = p["shuffle_index"][z.flatten(1)]                                     # [B,R]
    grp, row = vi // N, vi % N
    V = p["values"]
    dv = V.shape[1]
    c = dv // T
    vals = V[row].view(B, -1, T, c) * w.flatten(2).permute(1, 2, 0)[..., None]   # [B,R,T,c]
    slot = (torch.arange(B)[:, None] * E + grp).flatten()
    pooled = torch.zeros(B * E, dv).index_add_(0, slot, vals.reshape(-1, dv))
    return pooled.reshape(B, E * dv) @ p["values_proj.weight"].t(), z


def read_safetensors(path):
    raw = open(path, "rb").read()
    hl = struct.unpack("<Q", raw[:8])[0]
    hdr = json.loads(raw[8:8 + hl])
    meta = hdr.pop("__metadata__", {})
    out = {}
    for k, v in hdr.items():
        b, e = v["data_offsets"]
        dt = {"F32": torch.float32, "I64": torch.int64}[v["dtype"]]
        out[k] = torch.frombuffer(bytearray(raw[8 + hl + b:8 + hl + e]), dtype=dt).reshape(v["shape"])
    return out, meta


def random_params(hidden, knum, dk, dv, heads, r, T, E):
    s = int(E ** 0.5)
    n, N = s * knum, knum * knum
    g = torch.Generator().manual_seed(0)
    p = {"query_proj.weight": torch.randn(2 * dk, hidden, generator=g) / dk ** 0.5,
         "query_norm.weight": torch.full((dk,), dk ** -0.33), "keys_norm.weight": torch.full((dk,), dk ** -0.33),
         "keys": torch.randn(heads, 2, n, dk, r, generator=g) / dk ** 0.5,
         "values": torch.randn(N, dv, generator=g) * 0.02,
         "values_proj.weight": torch.randn(hidden, E * dv, generator=g) / (E * dv) ** 0.5,
         "tucker_u": torch.rand(heads, r, generator=g), "tucker_v": torch.rand(heads, r, generator=g),
         "shuffle_index": torch.randperm(E * N, generator=g)}
    for t in range(T):
        p[f"tucker_core.{t}"] = torch.rand(heads, r, r, generator=g)
    return p, n, N


def bench(preset, reps):
    knum, tokens = (64, 512) if preset == "A" else (256, 2048)
    p, n, N = random_params(256, knum, 64, 128, 2, 2, 2, 4)
    for k in ("query_proj.weight", "query_norm.weight", "keys_norm.weight", "keys", "values",
              "values_proj.weight", "tucker_core.0", "tucker_core.1"):
        p[k].requires_grad_(True)
    x = torch.randn(tokens, 256, requires_grad=True)
    dy = torch.randn(tokens, 256)
    fwd, both = [], []
    for i in range(3 + reps):
        t0 = time.perf_counter()
        with torch.no_grad():
            forward(p, x, 16, 2, 2, 2, 4, n, N)
        t1 = time.perf_counter()
        y, _ = forward(p, x, 16, 2, 2, 2, 4, n, N)
        y.backward(dy)
        t2 = time.perf_counter()
        if i >= 3:
            fwd.append((t1 - t0) * 1e3)
            both.append((t2 - t1) * 1e3)
    return {"preset": preset, "fwd_ms": statistics.median(fwd), "fwd_bwd_ms": statistics.median(both)}


def main():
    ap = argparse.ArgumentParser()
    ap.add_argument("--golden")
    ap.add_argument("--threads", type=int, default=2)
    ap.add_argument("--reps", type=int, default=7)
    a = ap.parse_args()
    torch.set_num_threads(a.threads)
    if a.golden:
        t, m = read_safetensors(a.golden)
        H, r, T, E = int(m["heads"]), int(m["tucker_rank"]), int(m["tucker_cores"]), int(m["value_expand"])
        n, N, knn = int(m["key_num"]), int(m["value_num"]), int(m["knn"])
        y, z = forward(t, t["input"], knn, H, r, T, E, n, N)
        err = ((y - t["output"]).abs().max() / t["output"].abs().max()).item()
        same = bool((z.flatten(1) == t["selected_grid_index"]).all())
        print(json.dumps({"golden": a.golden, "output_rel_err": err, "selection_identical": same}))
    for preset in ("A", "B"):
        r = bench(preset, a.reps)
        r.update({"torch": torch.__version__, "threads": a.threads})
        print(json.dumps(r))


if __name__ == "__main__":
    main()
