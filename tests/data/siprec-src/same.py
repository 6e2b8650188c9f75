# SPDX-License-Identifier: BSD-2-Clause
# Do two recordings of one stream hold the same decoded samples?  Both raw
# 16-bit little-endian mono.  The silence before the first sample may
# differ (siprec-srs takes its own send times, siprec-recording(5)); the
# samples from the first non-zero one on must be equal over the shorter
# length, which must be at least 90% of the longer.  Prints what it found;
# exit 1 when they differ.  Used by tests/cli/src-srs.bats.
import struct
import sys


def rd(p):
    b = open(p, 'rb').read()
    v = struct.unpack('<%dh' % (len(b) // 2), b)
    i = next((k for k, x in enumerate(v) if x != 0), len(v))
    return v[i:]


a, b = rd(sys.argv[1]), rd(sys.argv[2])
n = min(len(a), len(b))
if n == 0 or n < 0.9 * max(len(a), len(b)):
    print("lengths %d and %d" % (len(a), len(b)))
    sys.exit(1)
bad = sum(1 for x, y in zip(a[:n], b[:n]) if x != y)
print("%d of %d samples differ" % (bad, n))
sys.exit(1 if bad else 0)
