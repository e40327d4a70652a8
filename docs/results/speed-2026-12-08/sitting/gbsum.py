import re,collections,statistics,sys
d=collections.defaultdict(list); v=None
for l in open(sys.argv[1]):
    if l.startswith('=='): v=l.split()[2]; continue
    m=re.match(r'GEMM (\d+)³, (\d) thread\S*\s+([\d.]+) GF\s+([\d.]+) of the FMA peak',l)
    if m: d[(m.group(1),m.group(2),v)].append((float(m.group(3)),float(m.group(4))))
for k in sorted(d):
    gf=sorted(x[0] for x in d[k]); fr=sorted(x[1] for x in d[k])
    print(k, 'GF median %.1f (%.1f-%.1f)'%(statistics.median(gf),gf[0],gf[-1]), 'frac median %.2f (%.2f-%.2f)'%(statistics.median(fr),fr[0],fr[-1]), 'n',len(gf))
