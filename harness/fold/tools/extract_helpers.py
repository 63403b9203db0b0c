#!/usr/bin/env python3
"""Print the named top-level definitions (with their leading comment) of a C
header, in file order.  Usage: extract_helpers.py FILE NAME..."""
import re, sys
src = open(sys.argv[1]).read().split('\n')
want = set(sys.argv[2:])
blocks, i = [], 0
while i < len(src):
    line = src[i]
    m = re.match(r'(static inline [^(]*?\b(\w+)\(|struct (\w+) \{|#define (\w+))', line)
    if m:
        name = m.group(2) or m.group(3) or m.group(4)
        # leading comment
        j = i
        if j > 0 and src[j-1].rstrip().endswith('*/'):
            while not src[j-1].lstrip().startswith('/*'):
                j -= 1
            j -= 1
        if line.startswith('#define'):
            k = i
        else:
            k = i
            while src[k] not in ('}', '};'):
                k += 1
        if name in want:
            blocks.append('\n'.join(src[j:k+1]))
            want.discard(name)
        i = k + 1
        continue
    i += 1
if want:
    sys.stderr.write('missing: %s\n' % ' '.join(sorted(want))); sys.exit(1)
print('\n\n'.join(blocks))
