/* SPDX-License-Identifier: BSD-2-Clause */
/* libFuzzer harness: a capture file read through every dissector layer. */
#define _GNU_SOURCE	/* memfd_create */
#include <sys/mman.h>

#include <errno.h>
#include <stddef.h>
#include <stdint.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <unistd.h>

#include <siprec/capture.h>
#include <siprec/media.h>
#include <siprec/sipmsg.h>

/*
 * The capture API takes paths, so each input is written to one anonymous
 * file made once per process (a memfd, or an unlinked temporary file) and
 * opened again through /proc/self/fd/N.  Every packet delivered is then
 * handed on as siprec-pcap2rec does: SIP when it sniffs as SIP or came
 * framed from TCP, RTP/RTCP for every UDP payload.
 */

static int fd = -1;
static char path[64];

static void
drop(void *arg, const struct siprec_finding *f)
{
	(void)arg;
	(void)f;
}

static void
setup(void)
{
	const char *dir;
	char tmpl[4096];

	if ((fd = memfd_create("fuzz_capture", 0)) == -1) {
		if ((dir = getenv("TMPDIR")) == NULL || *dir == '\0')
			dir = "/tmp";
		if ((size_t)snprintf(tmpl, sizeof(tmpl),
		    "%s/fuzz_capture.XXXXXX", dir) >= sizeof(tmpl) ||
		    (fd = mkstemp(tmpl)) == -1)
			abort();
		(void)unlink(tmpl);
	}
	snprintf(path, sizeof(path), "/proc/self/fd/%d", fd);
}

static void
store(const uint8_t *data, size_t size)
{
	ssize_t w;
	size_t off;

	if (ftruncate(fd, 0) != 0)
		abort();
	off = 0;
	while (off < size) {
		w = pwrite(fd, data + off, size - off, (off_t)off);
		if (w == -1 && errno == EINTR)
			continue;
		if (w <= 0)
			abort();
		off += (size_t)w;
	}
}

/* Touch every byte of a slice, so ASan sees a slice that overruns. */
static uint8_t
touch(const uint8_t *p, size_t n)
{
	uint8_t x = 0;
	size_t i;

	for (i = 0; i < n; i++)
		x ^= p[i];
	return x;
}

static void
packet(const struct siprec_pkt *p)
{
	struct siprec_sink sink = { drop, NULL, SIPREC_PROFILE_STRICT, { 0 } };
	struct siprec_sipmsg *m = NULL;
	struct siprec_rtp rtp;
	volatile uint8_t sink_byte;
	char a[64];

	if (p->kind != SIPREC_PKT_UDP && p->kind != SIPREC_PKT_SIP_TCP)
		abort();
	if (p->data.p == NULL && p->data.len != 0)
		abort();
	sink_byte = touch(p->data.p, p->data.len);
	(void)sink_byte;
	if (p->file == NULL || strlen(p->file) == 0)
		abort();
	siprec_addr_format(&p->src, a, sizeof(a));
	siprec_addr_format(&p->dst, a, sizeof(a));
	if (p->kind == SIPREC_PKT_SIP_TCP ||
	    siprec_sipmsg_sniff(p->data.p, p->data.len)) {
		if (siprec_sipmsg_parse(p->data.p, p->data.len, &sink, &m,
		    NULL) == SIPREC_OK)
			siprec_sipmsg_free(m);
	}
	if (p->kind != SIPREC_PKT_UDP)
		return;
	(void)siprec_rtp_is_rtcp(p->data.p, p->data.len);
	if (siprec_rtp_parse(p->data.p, p->data.len, &rtp) != SIPREC_OK)
		return;
	/* The payload must lie inside the datagram. */
	if (rtp.payload.len > 0 && (rtp.payload.p < p->data.p ||
	    rtp.payload.len > p->data.len ||
	    (size_t)(rtp.payload.p - p->data.p) >
	    p->data.len - rtp.payload.len))
		abort();
	sink_byte = touch(rtp.payload.p, rtp.payload.len);
}

int LLVMFuzzerTestOneInput(const uint8_t *data, size_t size);

int
LLVMFuzzerTestOneInput(const uint8_t *data, size_t size)
{
	const char *paths[1];
	struct siprec_capture *cap;
	struct siprec_diag d;
	struct siprec_pkt p;
	enum siprec_err e;
	uint8_t dig[32];

	if (fd == -1)
		setup();
	store(data, size);
	paths[0] = path;
	if (siprec_capture_open(paths, 1, NULL, &cap, &d) != SIPREC_OK)
		return 0;
	for (;;) {
		e = siprec_capture_next(cap, &p, &d);
		if (e == SIPREC_ENOTFOUND)
			break;
		if (e == SIPREC_EPARSE)
			continue;	/* damage: what follows comes next */
		if (e != SIPREC_OK)
			break;
		packet(&p);
	}
	(void)siprec_capture_stats(cap);
	/* Read to its end, the input has its digest (capture.h). */
	if (e == SIPREC_ENOTFOUND &&
	    siprec_capture_sha256(cap, 0, dig) != SIPREC_OK)
		abort();
	siprec_capture_free(cap);
	return 0;
}
