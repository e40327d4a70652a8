import sys,re,statistics,collections
d=collections.defaultdict(list)
for l in open(sys.argv[1]):
    m=re.match(r'round (\d+) (\S+): um mem/ffn/step\s+([\d.]+) \([\d.]+\)\s+([\d.]+) \([\d.]+\)\s+([\d.]+)\s+dense step\s+([\d.]+)',l)
    if not m: continue
    r,j,mem,ffn,step,dn=m.groups(); mem,ffn,step,dn=map(float,(mem,ffn,step,dn))
    d[j].append((mem/ffn, mem/step, step/dn, mem))
for j,v in d.items():
    for i,name in enumerate(['mem/ffn','mem/step','um/dense','mem ms']):
        xs=sorted(x[i] for x in v)
        print(j,name,'median %.3f'%statistics.median(xs),'range %.3f-%.3f'%(xs[0],xs[-1]),'n',len(xs))
