# Tabulates UltraMem / MoE at 64 clients from the runs' serve.md copies (run from sitting/).
import glob,re,os,statistics as st
rows=[]
for d in ['prio1','prio2','nice1','nice2','spin1','vt1']:
    for f in sorted(glob.glob(d+'/*.md')):
        t=open(f).read()
        r=re.search(r'^\| ultramem \| moe \| 64 \| ([\d.]+) \| ([\d.]+) \| ([\d.]+) \|',t,re.M)
        um=re.search(r'^\| ultramem \| 64 \| ([\d.]+) .*?\| ([\d.]+) \| ([\d.]+) \| \d+ \| \d+ \| [\d.]+ \|$',t,re.M)
        moe=re.search(r'^\| moe \| 64 \| ([\d.]+) ',t,re.M)
        run=f.split('/')[1][:-3]
        mode={'plain':'0 (none)','prio':'-10 (renice)'}.get(run.split('-')[0], run.split('-')[0])
        if run.startswith('n'): mode=run[1:run.rindex('-')]
        if run.startswith('p2'): mode='-10 spin '+run[1:run.rindex('-')]
        if run.startswith('vt'): mode='-10' if run.startswith('vt0') else '-10 one carrier'
        rows.append((d,run,mode,float(r.group(1)),float(r.group(2)),float(r.group(3)),float(um.group(1)),float(moe.group(1))))
for x in rows: print("| %s | %s | %s | %.2f (%.2f-%.2f) | %.0f | %.0f |"%x)
a=[x[3] for x in rows if x[2] in ('0','0 (none)')]
b=[x[3] for x in rows if x[2] in ('-10','-10 (renice)','-10 spin 20000')]
print('no priority: runs, median, min, max'); 
print(len(a),st.median(a),min(a),max(a)); print('nice -10 (default spin, one carrier per core):'); print(len(b),st.median(b),min(b),max(b))
