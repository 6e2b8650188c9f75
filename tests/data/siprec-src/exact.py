# SPDX-License-Identifier: BSD-2-Clause
# Is a recording the source, sample for sample, after its leading silence?
# Both raw 16-bit little-endian mono.  Prints "equal LEAD N" (N samples
# compared) or "differ ..." and exits 1.  Used by tests/cli/src-srs.bats.
import struct
import sys


def rd(p):
    b = open(p, 'rb').read()
    return struct.unpack('<%dh' % (len(b) // 2), b)


src, rec = rd(sys.argv[1]), rd(sys.argv[2])
for lead in range(0, 4000):
    if rec[lead:lead + 800] == src[:800]:
        n = min(len(rec) - lead, len(src))
        if rec[lead:lead + n] == src[:n] and n > len(rec) // 2:
            print("equal %d %d" % (lead, n))
            sys.exit(0)
        bad = sum(1 for a, b in zip(rec[lead:lead + n], src[:n]) if a != b)
        print("differ after lead %d: %d of %d samples" % (lead, bad, n))
        sys.exit(1)
print("differ: no alignment found")
sys.exit(1)
