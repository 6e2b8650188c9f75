#!/bin/sh
# SPDX-License-Identifier: BSD-2-Clause
# tshark as the oracle for siprec-pcap2rec on the shared corpus: for every
# stream we record (with --all-calls), the packets, the loss and the
# payload bytes per SSRC equal tshark's RTP analysis of the same capture;
# every RTP stream tshark finds is recorded by us, or listed below with
# the reason.  Prints TAP; skips without tshark, python3 or the corpus.
set -u
cd "$(dirname "$0")/../.." || exit 4
p2r=${B:-build}/bin/siprec-pcap2rec
corpus=../shared/corpus/pcap/sip-rtp
if ! command -v tshark >/dev/null 2>&1 || ! command -v python3 >/dev/null 2>&1
then
	echo "ok 1 # skip tshark or python3 is not installed"
	exit 0
fi
if [ ! -d "$corpus" ]; then
	echo "ok 1 # skip ../shared/corpus is absent"
	exit 0
fi
python3 - "$p2r" "$corpus" <<'PY'
import glob, json, os, re, shutil, subprocess, sys, tempfile

p2r, corpus = sys.argv[1], sys.argv[2]
# (capture, SSRC) pairs that legitimately differ, and why.
EXCEPT = {
    ("heplify_rtp_rtcp_sip_ipv4_udp_g711a.pcap", 0x00002e3d):
        "RTP of a call that never got a 2xx (180 only)",
    ("sngrep_tests_aaa.pcap", 0x3796cb71):
        "RTP of a call that never got a 2xx",
    ("wiresharksample_nb6-telephone.pcap", 0x2d7b0b2c):
        "2 packets arrive after the BYE, when the recording has ended",
    ("ndpi_FAX-Call-t38-CA-TDM-SIP-FB-1.pcap", 0x0eaf0eaf):
        "one Call-ID captured on several hops of a B2BUA chain",
    ("ndpi_FAX-Call-t38-CA-TDM-SIP-FB-1.pcap", 0x17d90134):
        "one Call-ID captured on several hops of a B2BUA chain",
}
# Codecs this project does not decode: their packets count as bad.
UNDECODED = {"wiresharksample_sip-rtp-g726.pcap", "wiresharksample_sip-rtp-gsm.pcap",
             "wiresharksample_sip-rtp-ilbc.pcap"}

def tshark(args):
    return subprocess.run(["tshark"] + args, capture_output=True, text=True).stdout

n = 0
def tap(ok, msg, skip=None):
    global n
    n += 1
    if skip:
        print("ok %d %s # skip %s" % (n, msg, skip))
    else:
        print("%s %d %s" % ("ok" if ok else "not ok", n, msg))

for cap in sorted(glob.glob(corpus + "/*")):
    name = os.path.basename(cap)
    out = tempfile.mkdtemp()
    try:
        subprocess.run([p2r, "-a", "-q", "-o", out, cap], stdout=subprocess.DEVNULL)
        ours = {}
        for sj in glob.glob(out + "/*/session.json"):
            for st in json.load(open(sj))["streams"]:
                for ssrc in st["ssrc"]:
                    ours[int(ssrc, 16)] = (st["packets"], st["lost"], st["bytes"],
                                           len(st["ssrc"]))
    finally:
        shutil.rmtree(out)
    theirs = {}
    for line in tshark(["-r", cap, "-q", "-z", "rtp,streams"]).splitlines():
        m = re.search(r"0x([0-9A-Fa-f]{8})\s+.+?\s+(\d+)\s+(-?\d+) \(", line)
        if m:
            theirs[int(m.group(1), 16)] = (int(m.group(2)), int(m.group(3)))
    if not theirs and not ours:
        continue
    nbytes = {}
    for line in tshark(["-r", cap, "-Y", "rtp", "-T", "fields", "-e", "rtp.ssrc",
                        "-e", "rtp.payload"]).splitlines():
        f = line.split("\t")
        if f[0]:
            k = int(f[0], 16)
            nbytes[k] = nbytes.get(k, 0) + len(f[1].replace(":", "")) // 2 if len(f) > 1 else 0
    for ssrc in sorted(set(theirs) | set(ours)):
        what = "%s 0x%08x" % (name, ssrc)
        why = EXCEPT.get((name, ssrc))
        if why:
            tap(True, what, why)
            continue
        if ssrc not in ours:
            if name in UNDECODED:
                tap(True, what, "codec without a decoder here; packets count as bad")
            else:
                tap(False, what + ": tshark's stream %s is not recorded" % (theirs[ssrc],))
            continue
        if ssrc not in theirs:
            tap(False, what + ": recorded, but tshark has no such stream")
            continue
        pk, lost, by, nssrc = ours[ssrc]
        if nssrc > 1:
            tap(True, what, "stream has several SSRCs; compared per stream elsewhere")
            continue
        t = (theirs[ssrc][0], theirs[ssrc][1], nbytes.get(ssrc, -1))
        tap((pk, lost, by) == t, what + ": ours %d packets, %d lost, %d bytes; "
            "tshark %d, %d, %d" % ((pk, lost, by) + t))
print("1..%d" % n)
PY
