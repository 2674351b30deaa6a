import re,collections,sys
d0=sys.argv[1]
def load(f):
    d={}
    for l in open(f):
        p=l.split()
        if len(p)<5: continue
        k=(p[0],p[1]); i=0
        while (p[0],p[1],i) in d: i+=1
        d[(p[0],p[1],i)]=(int(p[2]),int(p[3]),int(p[4]))
    return d
b=load(d0+'/before.txt'); a=load(d0+'/after.txt')
agg=collections.defaultdict(lambda:[0,0,0])
for k,v in a.items():
    bv=b.get(k,(0,0,0))
    name=re.sub(r'[-_]?\d+$','',k[1]); node=k[0]
    if name.startswith('hz.'): name='hz.*'
    g=agg[(node,name)]
    for i in range(3): g[i]+=v[i]-bv[i]
tot=sum(g[0] for g in agg.values())
for k,g in sorted(agg.items(),key=lambda x:-x[1][0])[:12]:
    print(f"{k[0]} {k[1]:32s} cpu {g[0]/1e6:8.0f} ms {100*g[0]/tot:5.1f}%  vol {g[1]:7d} invol {g[2]:6d}")
print("total ms", tot/1e6, "vol", sum(g[1] for g in agg.values()))
