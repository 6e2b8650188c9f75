/* SPDX-License-Identifier: BSD-2-Clause */
/* capdump: what the capture module delivers, one line a packet (test tool). */
#include <stdio.h>
#include <string.h>
#include <strings.h>
#include <unistd.h>

#include <siprec/capture.h>

/*
 * Output, one line per packet:
 *	kind ts_ns src dst record len [| start line]
 * kind is "udp" or "sip_tcp"; the start line is printed for SIP over TCP
 * and for UDP payloads that begin with a SIP start line.  Errors, input
 * digests and the counters go to standard error.  Exit status: 0, 3 when
 * an input was damaged, 2 on usage, 4 on any other error.
 */

static size_t
first_line(const uint8_t *p, size_t n)
{
	size_t i;

	for (i = 0; i < n && p[i] != '\n'; i++)
		continue;
	if (i > 0 && p[i - 1] == '\r')
		i--;
	return i;
}

/* "METHOD uri SIP/2.0" or "SIP/2.0 NNN ..." (RFC 3261 section 7). */
static int
sip_start(const uint8_t *p, size_t n)
{
	size_t i, sp = 0;

	if (n >= 11 && strncasecmp((const char *)p, "SIP/2.0 ", 8) == 0)
		return p[8] >= '0' && p[8] <= '9' && p[9] >= '0' &&
		    p[9] <= '9' && p[10] >= '0' && p[10] <= '9' &&
		    (n == 11 || p[11] == ' ');
	if (n < 10 || strncasecmp((const char *)p + n - 8, " SIP/2.0", 8) != 0)
		return 0;
	for (i = 0; i < n - 8; i++) {
		if (p[i] == ' ')
			sp++;
		else if (p[i] < 0x21 || p[i] > 0x7e)
			return 0;
	}
	return sp == 1 && p[0] != ' ' && p[n - 9] != ' ';
}

int
main(int argc, char *argv[])
{
	const struct siprec_capture_stats *st;
	struct siprec_capture *cap;
	struct siprec_diag d;
	struct siprec_pkt pk;
	const char *filter = NULL;
	char s[64], t[64];
	enum siprec_err e;
	uint8_t dig[32];
	int ch, damaged = 0, k;
	size_t i, ll;

	while ((ch = getopt(argc, argv, "f:")) != -1)
		switch (ch) {
		case 'f':
			filter = optarg;
			break;
		default:
			fprintf(stderr, "usage: capdump [-f filter] capture "
			    "...\n");
			return 2;
		}
	argc -= optind;
	argv += optind;
	if (argc < 1) {
		fprintf(stderr, "usage: capdump [-f filter] capture ...\n");
		return 2;
	}
	memset(&d, 0, sizeof(d));
	if ((e = siprec_capture_open((const char *const *)argv, (size_t)argc,
	    filter, &cap, &d)) != SIPREC_OK) {
		fprintf(stderr, "capdump: %s\n", d.detail);
		return e == SIPREC_EINVAL ? 2 : e == SIPREC_EPARSE ? 3 : 4;
	}
	for (;;) {
		memset(&d, 0, sizeof(d));
		e = siprec_capture_next(cap, &pk, &d);
		if (e == SIPREC_ENOTFOUND)
			break;
		if (e == SIPREC_EPARSE) {
			fprintf(stderr, "capdump: %s\n", d.detail);
			damaged = 1;
			continue;
		}
		if (e != SIPREC_OK) {
			fprintf(stderr, "capdump: %s\n", d.detail);
			siprec_capture_free(cap);
			return 4;
		}
		siprec_addr_format(&pk.src, s, sizeof(s));
		siprec_addr_format(&pk.dst, t, sizeof(t));
		printf("%s %llu %s %s %llu %zu",
		    pk.kind == SIPREC_PKT_UDP ? "udp" : "sip_tcp",
		    (unsigned long long)pk.ts_ns, s, t,
		    (unsigned long long)pk.record, pk.data.len);
		ll = first_line(pk.data.p, pk.data.len);
		if (pk.kind == SIPREC_PKT_SIP_TCP || sip_start(pk.data.p, ll))
			printf(" | %.*s", (int)ll, (const char *)pk.data.p);
		putchar('\n');
	}
	for (i = 0; i < (size_t)argc; i++) {
		if (siprec_capture_sha256(cap, i, dig) != SIPREC_OK)
			continue;
		fprintf(stderr, "sha256 ");
		for (k = 0; k < 32; k++)
			fprintf(stderr, "%02x", dig[k]);
		fprintf(stderr, " %s\n", argv[i]);
	}
	st = siprec_capture_stats(cap);
	fprintf(stderr, "records %llu udp %llu sip_tcp %llu fragments %llu "
	    "reassembled %llu skipped_link %llu skipped_other %llu "
	    "truncated %llu tcp_gaps %llu duplicates %llu\n",
	    (unsigned long long)st->records, (unsigned long long)st->udp,
	    (unsigned long long)st->sip_tcp,
	    (unsigned long long)st->fragments,
	    (unsigned long long)st->reassembled,
	    (unsigned long long)st->skipped_link,
	    (unsigned long long)st->skipped_other,
	    (unsigned long long)st->truncated,
	    (unsigned long long)st->tcp_gaps,
	    (unsigned long long)st->duplicates);
	siprec_capture_free(cap);
	if (fflush(stdout) != 0)
		return 4;
	return damaged ? 3 : 0;
}
