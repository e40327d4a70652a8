# Tabulates the A/B runs at 64 clients from their serve.md copies (run from sitting/):
# output tokens/s per model and the same-round ratios, jar h0 (before pruning) against kl.
import glob, re, statistics as st
def point(f):
    t = open(f).read()
    tok = {m: float(re.search(r'^\| %s \| 64 \| ([\d.]+)' % m, t, re.M).group(1)) for m in ('dense', 'moe', 'ultramem')}
    r = lambda base: float(re.search(r'^\| ultramem \| %s \| 64 \| ([\d.]+)' % base, t, re.M).group(1))
    return tok, r('moe'), r('dense')
gain = {'dense': [], 'moe': [], 'ultramem': []}; dm = []; dd = []
for d in ('ab1', 'ab2', 'ab3'):
    for f in sorted(glob.glob(d + '/kl-*.md')):
        g = f.replace('/kl-', '/h0-')
        (tk, mk, dk), (th, mh, dh) = point(f), point(g)
        print('%s %s: h0 %s | kl %s | UM/MoE %.2f -> %.2f | UM/dense %.2f -> %.2f' % (d, f[-4:-3],
              ' '.join('%.0f' % th[m] for m in gain), ' '.join('%.0f' % tk[m] for m in gain), mh, mk, dh, dk))
        for m in gain: gain[m].append(tk[m] / th[m])
        dm.append(mk - mh); dd.append(dk - dh)
print('pairs', len(dm))
for m in gain: print('%s tokens/s kl / h0: median %.3f (%.2f-%.2f)' % (m, st.median(gain[m]), min(gain[m]), max(gain[m])))
print('UM/MoE difference: median %+.2f, positive %d; UM/dense difference: median %+.2f, positive %d' % (
      st.median(dm), sum(x > 0 for x in dm), st.median(dd), sum(x > 0 for x in dd)))
