import re,sys,collections
files=sys.argv[1:]
tot=collections.Counter(); self_=collections.defaultdict(collections.Counter); incl=collections.defaultdict(collections.Counter)
for f in files:
    for line in open(f):
        stack,_,n=line.rstrip().rpartition(' '); n=int(n); fr=stack.split(';')
        th=re.sub(r' tid=\d+','',fr[0]).strip('[]'); th=re.sub(r'hz\.[a-z_]+\.','hz.',th); th=re.sub(r'[-0-9]+$','',th)
        key=f.split('/')[-1].split('.')[0]+' '+th
        tot[key]+=n
        # self: last java-ish frame
        leaf=fr[-1]
        self_[key][leaf.split('/')[-1][:90]]+=n
        seen=set()
        for x in fr[1:]:
            if re.search(r'herald/|hazelcast/(map|spi/impl/operationservice/impl/(Invocation|Outbound|Inbound)|internal/serialization)|io/vertx/core/(eventbus|net|impl/Cont)|io/netty/channel/(nio|Abstract)',x):
                k=x.split('/')[-1][:90]
                if k not in seen: incl[key][k]+=n; seen.add(k)
s=sum(tot.values()); print('total',s)
for k,n in tot.most_common(10):
    print(f'{n:7d} {100*n/s:5.1f}% {k}')
    for sig,m in self_[k].most_common(8): print(f'          self {m:6d} {100*m/s:4.1f}% {sig}')
    for sig,m in incl[k].most_common(14): print(f'          incl {m:6d} {100*m/s:4.1f}% {sig}')
