/* SPDX-License-Identifier: BSD-2-Clause */
/* siprec-srs: a minimal recording server that records exactly what it is sent. */
#include <errno.h>
#include <getopt.h>
#include <signal.h>
#include <stdarg.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <time.h>
#include <unistd.h>
#include <sys/resource.h>
#include <sys/stat.h>

#include <siprec/json.h>
#include <siprec/sipmsg.h>

#include "../common/cli.h"
#include "srsd.h"

#ifndef SIPREC_VERSION
#define SIPREC_VERSION "0"
#endif

static const struct option longopts[] = {
	{ "accept-plain",	no_argument,		NULL, 'a' },
	{ "answer-sendrecv",	no_argument,		NULL, 'W' },
	{ "delay-answer",	required_argument,	NULL, 'D' },
	{ "drop-responses",	required_argument,	NULL, 'x' },
	{ "events",		required_argument,	NULL, 'e' },
	{ "exit-after",		required_argument,	NULL, 'n' },
	{ "expect-streams",	required_argument,	NULL, 'E' },
	{ "help",		no_argument,		NULL, 'h' },
	{ "listen",		required_argument,	NULL, 'l' },
	{ "max-loss",		required_argument,	NULL, 'L' },
	{ "max-sessions",	required_argument,	NULL, 'M' },
	{ "min-free",		required_argument,	NULL, 'd' },
	{ "outdir",		required_argument,	NULL, 'o' },
	{ "quiet",		no_argument,		NULL, 'q' },
	{ "redirect",		required_argument,	NULL, 'r' },
	{ "reject",		required_argument,	NULL, 'R' },
	{ "rtp-ports",		required_argument,	NULL, 'P' },
	{ "rtp-timeout",	required_argument,	NULL, 'T' },
	{ "snapshot-every",	required_argument,	NULL, 'S' },
	{ "strict",		no_argument,		NULL, 's' },
	{ "version",		no_argument,		NULL, 'V' },
	{ "wrong-labels",	no_argument,		NULL, 'w' },
	{ NULL,			0,			NULL, 0 }
};

static void
usage(FILE *f)
{
	fprintf(f,
"usage: siprec-srs [-ahqsVWw] [-D ms] [-d bytes] [-E n] [-e file] [-L percent]\n"
"                  [-l addr:port] [-M n] [-n n] [-P lo-hi] [-R percent:code]\n"
"                  [-r uri] [-S seconds] [-T seconds] [-x percent] -o outdir\n"
"A minimal SIPREC recording server (RFC 7866): answers recording sessions\n"
"over UDP and TCP, records their RTP and metadata into recording\n"
"directories, and reports events as JSON Lines on stdout.\n"
"\n"
"  -a, --accept-plain         also record INVITEs that are not SIPREC\n"
"  -D, --delay-answer MS      fault: answer INVITEs MS milliseconds late\n"
"  -d, --min-free BYTES       503 for new sessions when free disk is lower\n"
"  -E, --expect-streams N     a recording must have N streams\n"
"  -e, --events FILE          write events to FILE instead of stdout\n"
"  -h, --help                 print this help and exit\n"
"  -L, --max-loss PERCENT     a stream may lose at most PERCENT of packets\n"
"  -l, --listen ADDR:PORT     UDP and TCP address (default 127.0.0.1:5060);\n"
"                             several allowed, port 0 for an ephemeral one\n"
"  -M, --max-sessions N       503 with Retry-After beyond N sessions\n"
"  -n, --exit-after N         exit once N recordings are finished\n"
"  -o, --outdir DIR           write recording directories into DIR\n"
"  -P, --rtp-ports LO-HI      RTP port range (default 40000-49999); 0 for\n"
"                             ephemeral ports\n"
"  -q, --quiet                print no diagnostics\n"
"  -R, --reject PERCENT:CODE  fault: refuse that share of INVITEs with CODE\n"
"  -r, --redirect URI         answer every INVITE 302 to URI\n"
"  -S, --snapshot-every SEC   ask for a metadata snapshot (UPDATE) this often\n"
"  -s, --strict               reject what RFC 7866 and RFC 7865 forbid\n"
"  -T, --rtp-timeout SEC      end a session without packets this long\n"
"                             (default 300)\n"
"  -V, --version              print versions and exit\n"
"  -W, --answer-sendrecv      fault: answer sendrecv instead of recvonly\n"
"  -w, --wrong-labels         fault: answer with labels the SRC did not offer\n"
"  -x, --drop-responses PERCENT\n"
"                             fault: never answer that share of INVITEs\n"
"\n"
"Exit status: 0 ok, 1 a recording failed an expectation (-E, -L, metadata\n"
"invalid), 2 usage error, 4 system error.  See siprec-srs(1).\n");
}

static struct srsd	 srsd;

/* --- output ----------------------------------------------------------------- */

void
srsd_log(struct srsd *d, const char *fmt, ...)
{
	va_list ap;

	if (d->o.quiet)
		return;
	fprintf(stderr, "%s: ", cli_prog);
	va_start(ap, fmt);
	vfprintf(stderr, fmt, ap);
	va_end(ap);
	fputc('\n', stderr);
}

static void
rfc3339(uint64_t ns, char *buf, size_t len)
{
	time_t t = (time_t)(ns / 1000000000ull);
	struct tm tm;

	gmtime_r(&t, &tm);
	snprintf(buf, len, "%04u-%02u-%02uT%02u:%02u:%02u.%06uZ",
	    (unsigned int)(tm.tm_year + 1900) % 10000u,
	    (unsigned int)(tm.tm_mon + 1) % 100u, (unsigned int)tm.tm_mday % 100u,
	    (unsigned int)tm.tm_hour % 100u, (unsigned int)tm.tm_min % 100u,
	    (unsigned int)tm.tm_sec % 100u,
	    (unsigned int)(ns / 1000 % 1000000));
}

void
srsd_ev_begin(struct srsd *d, const char *event, uint64_t t_ns)
{
	char t[40];

	rfc3339(t_ns, t, sizeof(t));
	fprintf(d->ev, "{\"event\":");
	siprec_json_str(d->ev, event);
	fprintf(d->ev, ",\"t\":\"%s\"", t);
}

void
srsd_ev_str(struct srsd *d, const char *key, const char *val)
{
	fprintf(d->ev, ",\"%s\":", key);
	siprec_json_str(d->ev, val ? val : "");
}

void
srsd_ev_num(struct srsd *d, const char *key, unsigned long long v)
{
	fprintf(d->ev, ",\"%s\":%llu", key, v);
}

void
srsd_ev_raw(struct srsd *d, const char *key, const char *json)
{
	fprintf(d->ev, ",\"%s\":%s", key, json);
}

void
srsd_ev_end(struct srsd *d)
{
	fprintf(d->ev, "}\n");
	fflush(d->ev);
}

void
srsd_stop(struct srsd *d)
{
	siprec_loop_stop(d->loop);
}

/* --- what the tracker tells ------------------------------------------------- */

static void
on_rs_log(void *arg, const char *file, uint64_t record, enum siprec_sev sev,
    const char *msg)
{
	(void)file;
	(void)record;
	srsd_log(arg, "%s: %s", siprec_sev_name(sev), msg);
}

static void
on_rs_event(void *arg, const struct siprec_rs_event *e)
{
	struct srsd *d = arg;

	if (strcmp(e->what, "end") == 0)
		return;		/* the done callback tells it, with stats */
	srsd_ev_begin(d, e->what, e->t_ns);
	srsd_ev_str(d, "recording_id", e->id);
	srsd_ev_str(d, "call_id", e->call_id);
	if (e->detail[0] != '\0')
		srsd_ev_str(d, "detail", e->detail);
	srsd_ev_end(d);
}

static struct siprec_timer *reap;

/* Check the expectations of -E, -L and the metadata profile. */
static void
on_rs_done(void *arg, const struct siprec_rs_done *r)
{
	struct srsd *d = arg;
	struct srsd_call *c;
	char fail[1024];
	unsigned int i;
	int nfail = 0;

	fail[0] = '\0';
#define FAIL(...) do {							\
	size_t u = strlen(fail);					\
	if (u + 8 < sizeof(fail)) {					\
		fail[u++] = nfail++ ? ',' : '[';			\
		fail[u] = '\0';						\
	}								\
	{								\
		char m[200], *p = NULL;					\
		size_t mn = 0;						\
		FILE *mf;						\
		snprintf(m, sizeof(m), __VA_ARGS__);			\
		if ((mf = open_memstream(&p, &mn)) != NULL) {		\
			siprec_json_str(mf, m);				\
			fclose(mf);					\
			u = strlen(fail);				\
			snprintf(fail + u, sizeof(fail) - u, "%s", p);	\
			free(p);					\
		}							\
	}								\
} while (0)
	if (!r->ok)
		FAIL("files could not all be written");
	if (d->o.expect_streams >= 0 && r->streams !=
	    (unsigned long)d->o.expect_streams)
		FAIL("%u streams, expected %ld", r->streams,
		    d->o.expect_streams);
	for (i = 0; i < r->streams && d->o.max_loss >= 0; i++) {
		const struct siprec_stream_stats *x = r->st[i].stats;
		double loss;

		if (x == NULL)
			continue;
		loss = x->packets + x->lost == 0 ? 0.0 : 100.0 *
		    (double)x->lost / (double)(x->packets + x->lost);
		if (loss > d->o.max_loss)
			FAIL("stream %s lost %.2f %% of its packets (%llu)",
			    r->st[i].label, loss, (unsigned long long)x->lost);
	}
	if (r->siprec && r->meta_errors > 0)
		FAIL("metadata has %lu errors under the %s profile",
		    r->meta_errors, d->o.policy.strict ? "strict" : "lenient");
	if (r->siprec && r->metadata == 0 && d->o.policy.strict)
		FAIL("no metadata received");
#undef FAIL
	if (nfail > 0) {
		size_t u = strlen(fail);

		snprintf(fail + u, sizeof(fail) - u, "]");
		d->failed++;
	}
	d->recordings++;
	srsd_ev_begin(d, "end", r->end_ns);
	srsd_ev_str(d, "recording_id", r->id);
	srsd_ev_str(d, "dir", r->dir);
	srsd_ev_str(d, "call_id", r->call_id);
	srsd_ev_str(d, "reason", r->reason);
	srsd_ev_raw(d, "siprec", r->siprec ? "true" : "false");
	srsd_ev_num(d, "duration_ms", (r->end_ns - r->start_ns) / 1000000);
	srsd_ev_num(d, "metadata", r->metadata);
	srsd_ev_num(d, "metadata_errors", r->meta_errors);
	srsd_ev_num(d, "metadata_warnings", r->meta_warnings);
	fprintf(d->ev, ",\"streams\":[");
	for (i = 0; i < r->streams; i++) {
		const struct siprec_stream_stats *x = r->st[i].stats;
		unsigned int k;

		fprintf(d->ev, "%s{\"label\":", i ? "," : "");
		siprec_json_str(d->ev, r->st[i].label);
		fprintf(d->ev, ",\"file\":");
		siprec_json_str(d->ev, r->st[i].file);
		if (x != NULL) {
			fprintf(d->ev, ",\"codec\":");
			siprec_json_str(d->ev, x->codec);
			fprintf(d->ev, ",\"ssrc\":[");
			for (k = 0; k < x->nssrc; k++)
				fprintf(d->ev, "%s\"0x%08x\"", k ? "," : "",
				    x->ssrc[k]);
			fprintf(d->ev, "],\"packets\":%llu,\"lost\":%llu,"
			    "\"duplicated\":%llu,\"reordered\":%llu,"
			    "\"late\":%llu,\"bad\":%llu,\"jitter_ms\":%.3f,"
			    "\"samples\":%llu,\"rate\":%u,\"paused_ms\":%llu",
			    (unsigned long long)x->packets,
			    (unsigned long long)x->lost,
			    (unsigned long long)x->duplicates,
			    (unsigned long long)x->reordered,
			    (unsigned long long)x->late,
			    (unsigned long long)x->bad, x->jitter_ms,
			    (unsigned long long)x->samples, x->rate,
			    (unsigned long long)x->paused_ms);
		}
		fprintf(d->ev, "}");
	}
	fprintf(d->ev, "]");
	srsd_ev_raw(d, "ok", r->ok ? "true" : "false");
	srsd_ev_raw(d, "expectations_met", nfail ? "false" : "true");
	if (nfail)
		srsd_ev_raw(d, "failed", fail);
	srsd_ev_end(d);
	/* A recording ended by the server (idle, RTP timeout): BYE later. */
	if ((c = srsd_call_find(d, r->call_id)) != NULL) {
		c->recording_done = 1;
		snprintf(c->done_reason, sizeof(c->done_reason), "%s",
		    r->reason);
		if (reap != NULL)
			siprec_timer_after(reap, 0);
	}
	if (d->o.exit_after > 0 && d->recordings >= d->o.exit_after)
		srsd_stop(d);
}

static void
reap_due(void *arg, struct siprec_timer *t)
{
	struct srsd *d = arg;
	size_t b;

	(void)t;
	for (b = 0; b < SRSD_NBUCKET; b++) {
		struct srsd_call *c = d->calls[b], *next;

		for (; c != NULL; c = next) {
			next = c->next;
			if (!c->recording_done || c->state != C_CONFIRMED)
				continue;
			srsd_call_bye(c, strcmp(c->done_reason, "idle") == 0 ?
			    "recording ended: no packets (--rtp-timeout)" :
			    c->done_reason);
			srsd_call_free(c);
		}
	}
}

static void
tick_due(void *arg, struct siprec_timer *t)
{
	struct srsd *d = arg;

	siprec_rs_tick(d->rs, siprec_loop_wall(d->loop));
	siprec_timer_after(t, 250000000ull);
}

static void
on_signal(void *arg, int signo)
{
	struct srsd *d = arg;

	srsd_log(d, "signal %d: finishing every open recording", signo);
	d->stopping = 1;
	srsd_stop(d);
}

/* --- options -------------------------------------------------------------- */

static int
parse_pct_code(const char *s, unsigned int *pct, unsigned int *code)
{
	char buf[32], *colon;
	uint64_t p, c;

	snprintf(buf, sizeof(buf), "%s", s);
	if ((colon = strchr(buf, ':')) == NULL)
		return -1;
	*colon = '\0';
	if (siprec_parse_u64(buf, 0, 100, 0, &p) != SIPREC_OK ||
	    siprec_parse_u64(colon + 1, 300, 699, 0, &c) != SIPREC_OK)
		return -1;
	*pct = (unsigned int)p;
	*code = (unsigned int)c;
	return 0;
}

static int
parse_range(const char *s, uint16_t *lo, uint16_t *hi)
{
	char buf[32], *dash;
	uint64_t a, b;

	snprintf(buf, sizeof(buf), "%s", s);
	if (strcmp(buf, "0") == 0) {
		*lo = *hi = 0;		/* ephemeral ports */
		return 0;
	}
	if ((dash = strchr(buf, '-')) == NULL)
		return -1;
	*dash = '\0';
	if (siprec_parse_u64(buf, 1024, 65534, 0, &a) != SIPREC_OK ||
	    siprec_parse_u64(dash + 1, 1025, 65535, 0, &b) != SIPREC_OK ||
	    b < a + 1)
		return -1;
	*lo = (uint16_t)a;
	*hi = (uint16_t)b;
	return 0;
}

static int
parse_double(const char *s, double lo, double hi, double *out)
{
	char *e;
	double v;

	errno = 0;
	v = strtod(s, &e);
	if (errno != 0 || e == s || *e != '\0' || v < lo || v > hi)
		return -1;
	*out = v;
	return 0;
}

static void
raise_nofile(void)
{
	struct rlimit rl;

	/* One or two sockets per stream: thousands of streams. */
	if (getrlimit(RLIMIT_NOFILE, &rl) == 0 && rl.rlim_cur < rl.rlim_max) {
		rl.rlim_cur = rl.rlim_max;
		(void)setrlimit(RLIMIT_NOFILE, &rl);
	}
}

int
main(int argc, char *argv[])
{
	struct srsd *d = &srsd;
	struct siprec_rs_opts ro;
	struct siprec_sipua_opts uo;
	struct siprec_diag diag;
	uint64_t v;
	double dv;
	unsigned int i;
	int ch, rc;
	char tool[64], a[80];

	cli_prog = "siprec-srs";
	memset(d, 0, sizeof(*d));
	d->o.port_lo = 40000;
	d->o.port_hi = 49999;
	d->o.expect_streams = -1;
	d->o.max_loss = -1;
	d->o.rtp_timeout_ns = 300ull * 1000000000ull;
	while ((ch = getopt_long(argc, argv, "aD:d:E:e:hL:l:M:n:o:P:qR:r:S:sT:"
	    "VWwx:", longopts, NULL)) != -1) {
		switch (ch) {
		case 'a':
			d->o.policy.accept_plain = 1;
			break;
		case 'D':
			if (siprec_parse_u64(optarg, 0, 600000, 0, &v) !=
			    SIPREC_OK)
				goto bad_value;
			d->o.delay_ns = v * 1000000ull;
			break;
		case 'd':
			if (siprec_parse_u64(optarg, 0, UINT64_MAX / 2, 1, &v) !=
			    SIPREC_OK)
				goto bad_value;
			d->o.min_free = v;
			break;
		case 'E':
			if (siprec_parse_u64(optarg, 0, 16, 0, &v) != SIPREC_OK)
				goto bad_value;
			d->o.expect_streams = (long)v;
			break;
		case 'e':
			d->o.events = optarg;
			break;
		case 'h':
			usage(stdout);
			return SIPREC_EXIT_OK;
		case 'L':
			if (parse_double(optarg, 0, 100, &dv) != 0)
				goto bad_value;
			d->o.max_loss = dv;
			break;
		case 'l':
			if (d->o.nlisten == SRSD_MAX_LISTEN ||
			    siprec_addr_parse(optarg, 5060,
			    &d->o.listen[d->o.nlisten], &diag) != SIPREC_OK)
				goto bad_value;
			d->o.nlisten++;
			break;
		case 'M':
			if (siprec_parse_u64(optarg, 1, 1000000, 0, &v) !=
			    SIPREC_OK)
				goto bad_value;
			d->o.max_sessions = v;
			break;
		case 'n':
			if (siprec_parse_u64(optarg, 1, UINT32_MAX, 0, &v) !=
			    SIPREC_OK)
				goto bad_value;
			d->o.exit_after = v;
			break;
		case 'o':
			d->o.outdir = optarg;
			break;
		case 'P':
			if (parse_range(optarg, &d->o.port_lo, &d->o.port_hi))
				goto bad_value;
			break;
		case 'q':
			d->o.quiet = 1;
			break;
		case 'R':
			if (parse_pct_code(optarg, &d->o.reject_pct,
			    &d->o.reject_code) != 0)
				goto bad_value;
			break;
		case 'r':
			if (strncasecmp(optarg, "sip:", 4) != 0 &&
			    strncasecmp(optarg, "sips:", 5) != 0)
				goto bad_value;
			d->o.redirect = optarg;
			break;
		case 'S':
			if (siprec_parse_u64(optarg, 1, 86400, 0, &v) !=
			    SIPREC_OK)
				goto bad_value;
			d->o.snapshot_ns = v * 1000000000ull;
			break;
		case 's':
			d->o.policy.strict = 1;
			break;
		case 'T':
			if (siprec_parse_u64(optarg, 1, 86400, 0, &v) !=
			    SIPREC_OK)
				goto bad_value;
			d->o.rtp_timeout_ns = v * 1000000000ull;
			break;
		case 'V':
			printf("siprec-srs %s\n%s\n%s\n", SIPREC_VERSION,
			    siprec_meta_libversion(), siprec_sipmsg_libversion());
			return SIPREC_EXIT_OK;
		case 'W':
			d->o.sendrecv = 1;
			break;
		case 'w':
			d->o.wrong_labels = 1;
			break;
		case 'x':
			if (siprec_parse_u64(optarg, 0, 100, 0, &v) != SIPREC_OK)
				goto bad_value;
			d->o.drop_pct = (unsigned int)v;
			break;
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
	if (optind < argc) {
		fprintf(stderr, "%s: unexpected argument: %s\n", cli_prog,
		    argv[optind]);
		usage(stderr);
		return SIPREC_EXIT_USAGE;
	}
	if (d->o.outdir == NULL) {
		fprintf(stderr, "%s: -o outdir is required\n", cli_prog);
		usage(stderr);
		return SIPREC_EXIT_USAGE;
	}
	if (d->o.nlisten == 0) {
		d->o.listen[0] = (struct siprec_addr){ 4, { 127, 0, 0, 1 },
		    5060 };
		d->o.nlisten = 1;
	}
	if (mkdir(d->o.outdir, 0777) != 0 && errno != EEXIST) {
		fprintf(stderr, "%s: %s: %s\n", cli_prog, d->o.outdir,
		    strerror(errno));
		return SIPREC_EXIT_SYSTEM;
	}
	d->ev = stdout;
	if (d->o.events != NULL && strcmp(d->o.events, "-") != 0 &&
	    (d->ev = fopen(d->o.events, "w")) == NULL) {
		fprintf(stderr, "%s: %s: %s\n", cli_prog, d->o.events,
		    strerror(errno));
		return SIPREC_EXIT_SYSTEM;
	}
	raise_nofile();
	signal(SIGPIPE, SIG_IGN);
	memset(&diag, 0, sizeof(diag));
	if (siprec_loop_new(&d->loop, &diag) != SIPREC_OK ||
	    siprec_loop_signal(d->loop, SIGTERM, on_signal, d, &diag) !=
	    SIPREC_OK ||
	    siprec_loop_signal(d->loop, SIGINT, on_signal, d, &diag) !=
	    SIPREC_OK ||
	    siprec_meta_ctx_new(NULL, &d->meta, &diag) != SIPREC_OK ||
	    srsd_ports_init(d) != 0) {
		fprintf(stderr, "%s: %s\n", cli_prog, diag.detail[0] ?
		    diag.detail : strerror(errno));
		return SIPREC_EXIT_SYSTEM;
	}
	memset(&ro, 0, sizeof(ro));
	snprintf(tool, sizeof(tool), "siprec-srs %s", SIPREC_VERSION);
	ro.outdir = d->o.outdir;
	ro.format = SIPREC_FMT_WAV;
	ro.all_calls = d->o.policy.accept_plain;
	ro.idle_ns = d->o.rtp_timeout_ns;
	ro.tool = tool;
	ro.done = on_rs_done;
	ro.log = on_rs_log;
	ro.event = on_rs_event;
	ro.strict_meta = d->o.policy.strict;
	ro.arg = d;
	if (siprec_rs_new(&ro, &d->rs, &diag) != SIPREC_OK) {
		fprintf(stderr, "%s: %s\n", cli_prog, diag.detail);
		return SIPREC_EXIT_SYSTEM;
	}
	memset(&uo, 0, sizeof(uo));
	uo.loop = d->loop;
	uo.user_agent = tool;
	uo.auto_trying = 1;
	uo.request = srsd_on_request;
	uo.wire = srsd_on_wire;
	uo.bad = srsd_on_bad;
	uo.arg = d;
	if (siprec_sipua_new(&uo, &d->ua, &diag) != SIPREC_OK) {
		fprintf(stderr, "%s: %s\n", cli_prog, diag.detail);
		return SIPREC_EXIT_SYSTEM;
	}
	for (i = 0; i < d->o.nlisten; i++) {
		struct siprec_addr bound;
		enum siprec_transport tp[2] = { SIPREC_TRANSPORT_UDP,
		    SIPREC_TRANSPORT_TCP };
		int k;

		for (k = 0; k < 2; k++) {
			struct siprec_addr want = d->o.listen[i];

			/* Port 0: TCP takes the port UDP was given. */
			if (k == 1 && want.port == 0)
				want.port = d->o.listen[i].port;
			if (siprec_sipua_listen(d->ua, tp[k], &want, &bound,
			    &diag) != SIPREC_OK) {
				fprintf(stderr, "%s: listen %s: %s\n", cli_prog,
				    siprec_transport_name(tp[k]), diag.detail);
				return SIPREC_EXIT_SYSTEM;
			}
			if (k == 0)
				d->o.listen[i].port = bound.port;
			siprec_addr_format(&bound, a, sizeof(a));
			srsd_ev_begin(d, "listening", siprec_loop_wall(d->loop));
			srsd_ev_str(d, "transport", siprec_transport_name(tp[k]));
			srsd_ev_str(d, "address", a);
			srsd_ev_end(d);
		}
	}
	if (siprec_timer_new(d->loop, tick_due, d, &d->tick) != SIPREC_OK ||
	    siprec_timer_new(d->loop, reap_due, d, &reap) != SIPREC_OK) {
		fprintf(stderr, "%s: %s\n", cli_prog, strerror(ENOMEM));
		return SIPREC_EXIT_SYSTEM;
	}
	siprec_timer_after(d->tick, 250000000ull);
	if (siprec_loop_run(d->loop, &diag) != SIPREC_OK) {
		srsd_log(d, "event loop: %s", diag.detail);
		d->syserr = 1;
	}
	/* Finish what is open, then end the dialogs and let BYEs go out. */
	d->stopping = 1;
	if (siprec_rs_finish(d->rs, siprec_loop_wall(d->loop), "shutdown",
	    NULL, NULL, 0, &diag) != SIPREC_OK) {
		srsd_log(d, "%s", diag.detail);
		d->syserr = 1;
	}
	srsd_calls_end(d, "shutting down");
	{
		uint64_t until = siprec_loop_now(d->loop) + 200000000ull;

		while (siprec_loop_now(d->loop) < until)
			(void)siprec_loop_once(d->loop, 20000000ull, NULL);
	}
	srsd_ev_begin(d, "exit", siprec_loop_wall(d->loop));
	srsd_ev_num(d, "recordings", d->recordings);
	srsd_ev_num(d, "failed", d->failed);
	srsd_ev_num(d, "refused", d->refused);
	srsd_ev_end(d);
	rc = d->syserr ? SIPREC_EXIT_SYSTEM : d->failed > 0 ?
	    SIPREC_EXIT_FINDINGS : SIPREC_EXIT_OK;
	siprec_timer_free(d->tick);
	siprec_timer_free(reap);
	siprec_sipua_free(d->ua);
	siprec_rs_free(d->rs);
	siprec_meta_ctx_free(d->meta);
	siprec_loop_free(d->loop);
	free(d->ports);
	free(d->rbuf);
	if (d->ev != stdout)
		fclose(d->ev);
	return rc;
}
