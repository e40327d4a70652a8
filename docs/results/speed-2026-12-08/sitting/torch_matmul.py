import torch,time,os
print("threads", torch.get_num_threads(), os.environ.get("OPENBLAS_NUM_THREADS"))
for n in (1024,2048):
    a=torch.randn(n,n); b=torch.randn(n,n)
    for _ in range(3): a@b
    ts=[]
    for _ in range(9):
        t=time.perf_counter(); a@b; ts.append(time.perf_counter()-t)
    ts.sort(); print(n, "%.1f GFLOP/s" % (2*n**3/ts[4]/1e9))
