import torch,time
n=2048
a=torch.randn(n,n); b=torch.randn(n,n)
for _ in range(3): a@b
out=[]
end=time.time()+8
while time.time()<end:
    t=time.perf_counter(); a@b; out.append(2*n**3/(time.perf_counter()-t)/1e9)
print("openblas 2048 t2:", " ".join("%.0f"%x for x in out))
