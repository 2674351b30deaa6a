"""Shares of each node's event-loop samples spent under the named frames (inclusive), from fanout-profile.sh's
collapsed stacks: python3 loop-shares.py DIR (DIR holds n0.collapsed and n1.collapsed)."""
import collections, sys
d = sys.argv[1]
for node, pats in [('n0', ['FrameDecoder', 'GroupCommit', 'ClusterLogs.push', 'Push.of', 'ClusteredEventBus', 'Connection.']),
                   ('n1', ['Connection.append', 'Connection.takeOut', 'ensureWritable', 'Connection.flush', 'Push.decode',
                           'ClusterLogs.received', 'TopicVerticle.deliver'])]:
    total = 0
    hits = collections.Counter()
    for line in open(f'{d}/{node}.collapsed'):
        stack, _, n = line.rstrip().rpartition(' ')
        frames = stack.split(';')
        if 'eventloop' not in frames[0]:
            continue
        total += int(n)
        for p in pats:
            if any(p in x for x in frames):
                hits[p] += int(n)
    print(node, 'event loop samples', total)
    for p in pats:
        print(f'  {100 * hits[p] / total:5.1f} %  {p}')
