import json,sys,collections
d=json.load(open(sys.argv[1])); ev=d['recording']['events']
filt=sys.argv[2].split(',')
top=collections.Counter(); incl=collections.Counter(); n=0; alln=0
for e in ev:
    st=e['values'].get('stackTrace')
    fr=st['frames'] if st else []
    if not fr: continue
    alln+=1
    m=lambda f: f['method']['type']['name'].split('.')[-1]+'.'+f['method']['name']
    names=[m(f) for f in fr]
    if not any(any(x in nm for x in filt) for nm in names): continue
    if any('<init>' in nm for nm in names): continue
    n+=1; top[names[0]]+=1
    for k in set(names): incl[k]+=1
print("all",alln,"matching",n)
for k,v in top.most_common(25): print(f"{100*v/n:5.1f}% {k}")
print('-- incl')
for k,v in incl.most_common(40): print(f"{100*v/n:5.1f}% {k}")
