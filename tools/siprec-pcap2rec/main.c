/* SPDX-License-Identifier: BSD-2-Clause */
/* siprec-pcap2rec: rebuild recordings and metadata from packet captures. */
#include <errno.h>
#include <getopt.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <sys/stat.h>
#include <time.h>
#include <unistd.h>

#include <siprec/capture.h>
#include <siprec/err.h>
#include <siprec/meta.h>
#include <siprec/rs.h>
#include <siprec/sipmsg.h>

#include "../common/cli.h"
#include "../common/out.h"

#ifndef SIPREC_VERSION
#define SIPREC_VERSION "0"
#endif

struct run {
	int		 json;
	int		 quiet;
	int		 progress;	/* stderr is a terminal */
	unsigned long	 recordings;
	unsigned long	 failed;
	time_t		 last_progress;
};

static const struct option longopts[] = {
	{ "all-calls",	 no_argument,		NULL, 'a' },
	{ "call-id",	 required_argument,	NULL, 'c' },
	{ "filter",	 required_argument,	NULL, 'f' },
	{ "format",	 required_argument,	NULL, 'F' },
	{ "help",	 no_argument,		NULL, 'h' },
	{ "idle",	 required_argument,	NULL, 'I' },
	{ "keys",	 required_argument,	NULL, 'K' },
	{ "json",	 no_argument,		NULL, 'j' },
	{ "layout",	 required_argument,	NULL, 'L' },
	{ "shard",	 required_argument,	NULL, 'k' },
	{ "outdir",	 required_argument,	NULL, 'o' },
	{ "quiet",	 no_argument,		NULL, 'q' },
	{ "version",	 no_argument,		NULL, 'V' },
	{ NULL,		 0,			NULL, 0 }
};

static void
usage(FILE *f)
{
	fprintf(f,
"usage: siprec-pcap2rec [-ahjqV] [-c call-id] [-F format] [-f filter] [-I seconds]\n"
"                       [-K keyfile] [-k k/n] [-L layout] -o outdir [capture ...]\n"
"Rebuild SIPREC recordings (audio, metadata, session.json, MANIFEST.sha256)\n"
"from pcap or pcapng captures, read as one time-ordered stream.  No capture,\n"
"or -, reads standard input: tcpdump -w - | siprec-pcap2rec -o DIR -\n"
"\n"
"  -a, --all-calls         also rebuild plain SIP calls, each direction a stream\n"
"  -c, --call-id ID        only the call with this Call-ID\n"
"  -F, --format FORMAT     audio files: wav (default), flac, ogg\n"
"  -f, --filter EXPR       libpcap filter expression for every capture\n"
"  -h, --help              print this help and exit\n"
"  -I, --idle SECONDS      end a recording idle this long (default 300)\n"
"  -j, --json              one JSON object per recording on stdout\n"
"  -K, --keys FILE         SRTP keys for media whose SDP is not in the capture\n"
"  -k, --shard K/N         only share K of N of the calls, by Call-ID\n"
"  -L, --layout LAYOUT     per-stream (default), stereo, mixed\n"
"  -o, --outdir DIR        write recording directories into DIR\n"
"  -q, --quiet             print no diagnostics\n"
"  -V, --version           print versions and exit\n"
"\n"
"Exit status: 0 recordings written, 1 no recording found, 2 usage error,\n"
"3 unusable or damaged capture, 4 system error.  See siprec-pcap2rec(1).\n");
}

static void
on_done(void *arg, const struct siprec_rs_done *d)
{
	struct run *r = arg;

	r->recordings++;
	if (!d->ok)
		r->failed++;
	if (r->json) {
		printf("{\"recording_id\":");
		siprec_json_str(stdout, d->id);
		printf(",\"dir\":");
		siprec_json_str(stdout, d->dir);
		printf(",\"call_id\":");
		siprec_json_str(stdout, d->call_id);
		printf(",\"siprec\":%s,\"streams\":%u,\"metadata\":%u,"
		    "\"duration_ms\":%llu,\"packets\":%llu,\"lost\":%llu,"
		    "\"end_reason\":", d->siprec ? "true" : "false", d->streams,
		    d->metadata,
		    (unsigned long long)((d->end_ns - d->start_ns) / 1000000),
		    (unsigned long long)d->packets,
		    (unsigned long long)d->lost);
		siprec_json_str(stdout, d->reason);
		printf(",\"ok\":%s}\n", d->ok ? "true" : "false");
	} else
		printf("%s\t%u streams\t%.3f s\t%llu packets\t%llu lost\t%s\n",
		    d->dir, d->streams, (double)(d->end_ns - d->start_ns) / 1e9,
		    (unsigned long long)d->packets,
		    (unsigned long long)d->lost, d->reason);
	fflush(stdout);
}

static void
on_log(void *arg, const char *file, uint64_t record, enum siprec_sev sev,
    const char *msg)
{
	struct run *r = arg;

	if (r->quiet)
		return;
	if (r->progress)
		fputs("\r\033[K", stderr);
	fprintf(stderr, "siprec-pcap2rec: %s: record %llu: %s: %s\n", file,
	    (unsigned long long)record, siprec_sev_name(sev), msg);
}

static void
progress(struct run *r, const struct siprec_capture_stats *cs)
{
	time_t now = time(NULL);

	if (!r->progress || now == r->last_progress)
		return;
	r->last_progress = now;
	fprintf(stderr, "\r\033[K%llu records, %lu recordings",
	    (unsigned long long)cs->records, r->recordings);
}

/*
 * Once every input's digest is known (early for regular files, hashed
 * on a thread of their own), give them to the tracker, so that each
 * recording names them when it is first written.  Returns 1 once given.
 */
static int
early_inputs(struct siprec_capture *cap, struct siprec_rs *rs,
    const char *const *inputs, size_t n)
{
	char **hex;
	uint8_t dig[32];
	size_t i;
	int k, ok = 1;

	for (i = 0; i < n; i++)
		if (siprec_capture_sha256(cap, i, dig) != SIPREC_OK)
			return 0;
	hex = xreallocarray(NULL, n, sizeof(*hex));
	for (i = 0; i < n; i++) {
		hex[i] = xmalloc(65);
		if (siprec_capture_sha256(cap, i, dig) != SIPREC_OK)
			ok = 0;
		for (k = 0; k < 32; k++)
			snprintf(hex[i] + 2 * k, 3, "%02x", dig[k]);
	}
	if (ok)
		ok = siprec_rs_inputs(rs, inputs, (const char *const *)hex,
		    n) == SIPREC_OK;
	for (i = 0; i < n; i++)
		free(hex[i]);
	free(hex);
	return ok;
}

int
main(int argc, char *argv[])
{
	struct siprec_rs_opts ro;
	struct siprec_rs *rs = NULL;
	struct siprec_capture *cap = NULL;
	struct siprec_diag d;
	struct siprec_pkt p;
	struct run r;
	const char *filter = NULL, *stdin_only[] = { "-" };
	const char *const *inputs;
	char **hex = NULL;
	size_t ninputs, i;
	uint64_t v, last_ts = 0;
	enum siprec_err e;
	int ch, damaged = 0, syserr = 0, given = 0;
	char tool[64];

	cli_prog = "siprec-pcap2rec";
	memset(&r, 0, sizeof(r));
	memset(&ro, 0, sizeof(ro));
	ro.format = SIPREC_FMT_WAV;
	while ((ch = getopt_long(argc, argv, "ac:F:f:hI:jK:k:L:o:qV", longopts,
	    NULL)) != -1) {
		switch (ch) {
		case 'a':
			ro.all_calls = 1;
			break;
		case 'c':
			ro.call_id = optarg;
			break;
		case 'F':
			if (strcmp(optarg, "wav") == 0)
				ro.format = SIPREC_FMT_WAV;
			else if (strcmp(optarg, "flac") == 0)
				ro.format = SIPREC_FMT_FLAC;
			else if (strcmp(optarg, "ogg") == 0)
				ro.format = SIPREC_FMT_OGG;
			else
				goto bad_value;
			break;
		case 'f':
			filter = optarg;
			break;
		case 'h':
			usage(stdout);
			return SIPREC_EXIT_OK;
		case 'I':
			if (siprec_parse_u64(optarg, 1, 86400, 0, &v) != SIPREC_OK)
				goto bad_value;
			ro.idle_ns = v * 1000000000ull;
			break;
		case 'j':
			r.json = 1;
			break;
		case 'K':
			ro.keys = optarg;
			break;
		case 'k': {
			char *slash = strchr(optarg, '/');
			uint64_t k, n;

			if (slash == NULL)
				goto bad_value;
			*slash = '\0';
			if (siprec_parse_u64(optarg, 1, 1u << 20, 0, &k) !=
			    SIPREC_OK || siprec_parse_u64(slash + 1, 1, 1u << 20,
			    0, &n) != SIPREC_OK || k > n) {
				*slash = '/';
				goto bad_value;
			}
			*slash = '/';
			ro.shard_k = (unsigned int)k;
			ro.shard_n = (unsigned int)n;
			break;
		}
		case 'L':
			if (strcmp(optarg, "per-stream") == 0)
				ro.layout = SIPREC_LAYOUT_PER_STREAM;
			else if (strcmp(optarg, "stereo") == 0)
				ro.layout = SIPREC_LAYOUT_STEREO;
			else if (strcmp(optarg, "mixed") == 0)
				ro.layout = SIPREC_LAYOUT_MIXED;
			else
				goto bad_value;
			break;
		case 'o':
			ro.outdir = optarg;
			break;
		case 'q':
			r.quiet = 1;
			break;
		case 'V':
			printf("siprec-pcap2rec %s\n%s\n%s\n", SIPREC_VERSION,
			    siprec_meta_libversion(), siprec_sipmsg_libversion());
			return SIPREC_EXIT_OK;
		default:
			usage(stderr);
			return SIPREC_EXIT_USAGE;
		}
		continue;
bad_value:
		fprintf(stderr, "%s: invalid value for -%c: %s\n", cli_prog, ch,
		    optarg);
		usage(stderr);
		return SIPREC_EXIT_USAGE;
	}
	argc -= optind;
	argv += optind;
	if (ro.outdir == NULL) {
		fprintf(stderr, "%s: -o outdir is required\n", cli_prog);
		usage(stderr);
		return SIPREC_EXIT_USAGE;
	}
	if (mkdir(ro.outdir, 0777) != 0 && errno != EEXIST) {
		fprintf(stderr, "%s: %s: %s\n", cli_prog, ro.outdir,
		    strerror(errno));
		return SIPREC_EXIT_SYSTEM;
	}
	inputs = argc > 0 ? (const char *const *)argv : stdin_only;
	ninputs = argc > 0 ? (size_t)argc : 1;
	r.progress = isatty(STDERR_FILENO) && !r.quiet;
	snprintf(tool, sizeof(tool), "siprec-pcap2rec %s", SIPREC_VERSION);
	ro.tool = tool;
	ro.done = on_done;
	ro.log = on_log;
	ro.background = 1;	/* hashes while packets go on */
	ro.ahead = 1;		/* a capture: fetch streams ahead */
	ro.arg = &r;
	memset(&d, 0, sizeof(d));
	if ((e = siprec_capture_open(inputs, ninputs, filter, &cap, &d)) !=
	    SIPREC_OK) {
		fprintf(stderr, "%s: %s\n", cli_prog, d.detail);
		return e == SIPREC_EINVAL ? SIPREC_EXIT_USAGE :
		    e == SIPREC_ENOMEM ? SIPREC_EXIT_SYSTEM : SIPREC_EXIT_INPUT;
	}
	if ((e = siprec_rs_new(&ro, &rs, &d)) != SIPREC_OK) {
		fprintf(stderr, "%s: %s\n", cli_prog, d.detail);
		siprec_capture_free(cap);
		return e == SIPREC_ENOMEM || e == SIPREC_EIO ?
		    SIPREC_EXIT_SYSTEM : SIPREC_EXIT_INPUT;
	}
	memset(&d, 0, sizeof(d));
	for (;;) {
		/* Per packet: only the text is cleared (d is filled on error). */
		d.detail[0] = '\0';
		e = siprec_capture_next(cap, &p, &d);
		if (e == SIPREC_ENOTFOUND)
			break;
		if (e == SIPREC_EPARSE) {
			/* Everything before the damage stays; go on. */
			if (r.progress)
				fputs("\r\033[K", stderr);
			fprintf(stderr, "%s: %s\n", cli_prog, d.detail);
			damaged = 1;
			continue;
		}
		if (e != SIPREC_OK) {
			fprintf(stderr, "%s: %s\n", cli_prog, d.detail[0] ?
			    d.detail : siprec_strerror(e));
			syserr = 1;
			break;
		}
		if (p.ts_ns > last_ts)
			last_ts = p.ts_ns;
		if (!given)
			given = early_inputs(cap, rs, inputs, ninputs);
		if (siprec_rs_packet(rs, &p, &d) != SIPREC_OK) {
			fprintf(stderr, "%s: %s\n", cli_prog, d.detail);
			syserr = 1;
		}
		progress(&r, siprec_capture_stats(cap));
	}
	if (r.progress)
		fputs("\r\033[K", stderr);
	hex = xreallocarray(NULL, ninputs, sizeof(*hex));
	for (i = 0; i < ninputs; i++) {
		uint8_t dig[32];
		int k;

		hex[i] = NULL;
		if (siprec_capture_sha256(cap, i, dig) != SIPREC_OK)
			continue;
		hex[i] = xmalloc(65);
		for (k = 0; k < 32; k++)
			snprintf(hex[i] + 2 * k, 3, "%02x", dig[k]);
	}
	if (siprec_rs_finish(rs, last_ts, "end-of-input", inputs,
	    (const char *const *)hex, ninputs, &d) != SIPREC_OK) {
		fprintf(stderr, "%s: %s\n", cli_prog, d.detail);
		syserr = 1;
	}
	if (!r.quiet) {
		const struct siprec_capture_stats *cs = siprec_capture_stats(cap);
		const struct siprec_rs_stats *st = siprec_rs_stats(rs);

		if (st->sip_bad > 0 || cs->tcp_gaps > 0 || cs->truncated > 0)
			fprintf(stderr, "%s: %llu malformed SIP messages, %llu "
			    "TCP gaps, %llu truncated records\n", cli_prog,
			    (unsigned long long)st->sip_bad,
			    (unsigned long long)cs->tcp_gaps,
			    (unsigned long long)cs->truncated);
	}
	for (i = 0; i < ninputs; i++)
		free(hex[i]);
	free(hex);
	siprec_rs_free(rs);
	siprec_capture_free(cap);
	if (syserr || r.failed > 0)
		return SIPREC_EXIT_SYSTEM;
	if (damaged)
		return SIPREC_EXIT_INPUT;
	return r.recordings > 0 ? SIPREC_EXIT_OK : SIPREC_EXIT_FINDINGS;
}
