# Share of async-profiler samples (collapsed stacks) whose leaf frame is in the kernel ("_[k]"), per file, and
# the top leaf frames: how much of a node's CPU is the system calls and wake-ups rather than its own code.
import collections, sys
for f in sys.argv[1:]:
    total = kernel = 0
    leaves = collections.Counter()
    for line in open(f):
        stack, _, n = line.rstrip().rpartition(' ')
        n = int(n); leaf = stack.split(';')[-1]
        total += n; leaves[leaf] += n
        if leaf.endswith('_[k]'): kernel += n
    print(f'{f.split("/")[-1]}: {total} samples, {100 * kernel / total:.1f} % with a kernel leaf')
    for leaf, n in leaves.most_common(8):
        print(f'  {100 * n / total:5.1f} % {leaf[:100]}')
