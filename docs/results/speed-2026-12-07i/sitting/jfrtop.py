import json,sys,collections
# usage: jfr print --json --events jdk.ExecutionSample X.jfr > x.json; python3 jfrtop.py x.json
d=json.load(open(sys.argv[1]))
ev=d['recording']['events']
top=collections.Counter(); incl=collections.Counter()
for e in ev:
    fr=e['values']['stackTrace']['frames'] if e['values'].get('stackTrace') else []
    if not fr: continue
    m=lambda f: f['method']['type']['name'].split('.')[-1]+'.'+f['method']['name']
    top[m(fr[0])]+=1
    seen=set()
    for f in fr:
        k=m(f)
        if k not in seen: incl[k]+=1; seen.add(k)
n=sum(top.values())
print("samples",n)
print("-- self")
for k,v in top.most_common(25): print(f"{100*v/n:5.1f}% {k}")
print("-- inclusive")
for k,v in incl.most_common(45): print(f"{100*v/n:5.1f}% {k}")
