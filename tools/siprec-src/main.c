/* SPDX-License-Identifier: BSD-2-Clause */
/* siprec-src: a synthetic SIPREC recording client and load generator. */
#include <ctype.h>
#include <errno.h>
#include <getopt.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <strings.h>
#include <sys/resource.h>

#include <srtp2/srtp.h>
#include <opus.h>

#include <siprec/err.h>
#include <siprec/meta.h>
#include <siprec/sipmsg.h>

#include "../common/cli.h"
#include "src.h"

#ifndef SIPREC_VERSION
#define SIPREC_VERSION "0"
#endif

enum {
	OPT_STATS_FORMAT = 256,
	OPT_STATS_INTERVAL,
	OPT_FAILOVER_CODES,
	OPT_SESSION_EXPIRES,
	OPT_SEED,
	OPT_EPOCH,
	OPT_MEDIA_THREADS,
	OPT_CALLS,
	OPT_DRY_RUN,
	OPT_MIXED,
	OPT_LIST_PERSONAS,
	OPT_REALTIME
};

static const struct option longopts[] = {
	{ "audio",		required_argument,	NULL, 'A' },
	{ "bind",		required_argument,	NULL, 'b' },
	{ "calls",		no_argument,		NULL, OPT_CALLS },
	{ "codec",		required_argument,	NULL, 'c' },
	{ "content-type",	required_argument,	NULL, 'C' },
	{ "duration",		required_argument,	NULL, 'd' },
	{ "dry-run",		no_argument,		NULL, OPT_DRY_RUN },
	{ "epoch",		required_argument,	NULL, OPT_EPOCH },
	{ "failover-codes",	required_argument,	NULL, OPT_FAILOVER_CODES },
	{ "fault",		required_argument,	NULL, 'F' },
	{ "help",		no_argument,		NULL, 'h' },
	{ "json",		no_argument,		NULL, 'j' },
	{ "limit",		required_argument,	NULL, 'l' },
	{ "list-personas",	no_argument,		NULL, OPT_LIST_PERSONAS },
	{ "max-calls",		required_argument,	NULL, 'm' },
	{ "max-failures",	required_argument,	NULL, 'x' },
	{ "media-ip",		required_argument,	NULL, 'M' },
	{ "media-threads",	required_argument,	NULL, OPT_MEDIA_THREADS },
	{ "mixed",		no_argument,		NULL, OPT_MIXED },
	{ "party",		required_argument,	NULL, 'a' },
	{ "persona",		required_argument,	NULL, 'p' },
	{ "ptime",		required_argument,	NULL, 'P' },
	{ "quiet",		no_argument,		NULL, 'q' },
	{ "rate",		required_argument,	NULL, 'r' },
	{ "realtime",		no_argument,		NULL, OPT_REALTIME },
	{ "rtcp",		no_argument,		NULL, 'R' },
	{ "scenario",		required_argument,	NULL, 'f' },
	{ "seed",		required_argument,	NULL, OPT_SEED },
	{ "session-expires",	required_argument,	NULL, OPT_SESSION_EXPIRES },
	{ "srtp",		required_argument,	NULL, 's' },
	{ "stats",		required_argument,	NULL, 'S' },
	{ "stats-format",	required_argument,	NULL, OPT_STATS_FORMAT },
	{ "stats-interval",	required_argument,	NULL, OPT_STATS_INTERVAL },
	{ "streams",		required_argument,	NULL, 'n' },
	{ "timeline",		required_argument,	NULL, 'e' },
	{ "timeout",		required_argument,	NULL, 'T' },
	{ "transport",		required_argument,	NULL, 't' },
	{ "update",		no_argument,		NULL, 'U' },
	{ "version",		no_argument,		NULL, 'V' },
	{ NULL,			0,			NULL, 0 }
};

static void
usage(FILE *f)
{
	fprintf(f,
"usage: siprec-src [-hjqRUV] [-A audio] [-a party] [-b addr] [-C type] [-c codecs]\n"
"                  [-d ms] [-e timeline] [-F fault] [-f scenario] [-l limit]\n"
"                  [-M ip] [-m calls] [-n streams] [-P ms] [-p persona] [-r rate]\n"
"                  [-S file] [-s suite] [-T ms] [-t transport] [-x count]\n"
"                  srs-uri ...\n"
"Send SIPREC recording sessions (RFC 7866) with RFC 7865 metadata and paced\n"
"RTP to one SRS, or to a list of them in failover order.\n"
"\n"
"  -A, --audio SOURCE       speech (bundled, default), tone[:HZ], FILE (one\n"
"                           channel a stream), or FILE,FILE,... (a file a stream)\n"
"  -a, --party 'NAME <AOR>' a participant (repeat; default Alice and Bob)\n"
"  -b, --bind ADDR[:PORT]   local SIP address (default 127.0.0.1, any port)\n"
"      --calls              one JSON line of verdicts per call on stdout\n"
"  -C, --content-type TYPE  metadata type: xml (rs-metadata+xml) or plain\n"
"                           (rs-metadata); default: the persona's\n"
"  -c, --codec LIST         PCMU, PCMA, G722, G729, opus; the first is sent\n"
"  -d, --duration MS        call length after the answer (default 5000)\n"
"      --dry-run            print the first INVITE and exit; no network\n"
"      --epoch SECONDS      wall clock at start, for metadata times\n"
"  -e, --timeline LIST      AT:EVENT[,AT:EVENT...], AT in seconds after the\n"
"                           answer; EVENT pause, pause-c0, resume, join[=P],\n"
"                           leave[=N], transfer[=P], hold[=N], unhold[=N],\n"
"                           snapshot, refresh\n"
"      --failover-codes LIST  response codes that move to the next SRS\n"
"                           (default 408, 5xx, 6xx)\n"
"  -F, --fault NAME         no-metadata, no-labels, bad-xml, wrong-type,\n"
"                           oversize-udp\n"
"  -f, --scenario FILE      timeline from a file, one 'AT EVENT' a line\n"
"  -h, --help               print this help and exit\n"
"  -j, --json               final summary as JSON\n"
"  -l, --limit N            at most N calls at once (default 1000)\n"
"      --list-personas      list the personas and exit\n"
"  -M, --media-ip IP        address for RTP (default: the SIP address)\n"
"  -m, --max-calls N        calls in all (default 1)\n"
"      --media-threads N    paced sender threads (default 1)\n"
"      --mixed              one mixed stream instead of one per party\n"
"  -n, --streams N          streams per call (default 2)\n"
"  -P, --ptime MS           packet time (default 20)\n"
"  -p, --persona NAME       what kind of SRC to be (default rfc)\n"
"  -q, --quiet              no diagnostics, no status line\n"
"  -R, --rtcp               send RTCP sender reports\n"
"  -r, --rate N             calls started per second (default 10)\n"
"      --realtime           media threads at SCHED_FIFO priority 10\n"
"      --seed N             deterministic metadata identifiers\n"
"      --session-expires S  RFC 4028 session timer, refreshed every S/2\n"
"  -S, --stats FILE         periodic statistics to FILE (- is stdout)\n"
"      --stats-format FMT   csv (default) or json\n"
"      --stats-interval MS  statistics period (default 1000)\n"
"  -s, --srtp SUITE         SRTP with SDES keys, e.g. AES_CM_128_HMAC_SHA1_80\n"
"  -T, --timeout MS         give an INVITE up and fail over after MS\n"
"  -t, --transport T        udp, tcp, or auto (default: TCP when the INVITE\n"
"                           exceeds 1300 bytes, RFC 3261 18.1.1)\n"
"  -U, --update             send metadata updates by UPDATE, not re-INVITE\n"
"  -V, --version            print versions and exit\n"
"  -x, --max-failures N     exit 1 when more calls fail (default 0)\n"
"\n"
"Exit status: 0 all calls within --max-failures, 1 too many failures,\n"
"2 usage error, 3 unusable input, 4 system error.  See siprec-src(1).\n");
}

static int
bad(const char *opt, const char *arg, const char *why)
{
	fprintf(stderr, "siprec-src: %s %s: %s\n", opt, arg, why);
	usage(stderr);
	return SIPREC_EXIT_USAGE;
}

static int
num(const char *s, uint64_t min, uint64_t max, uint64_t *out)
{
	return siprec_parse_u64(s, min, max, 0, out) == SIPREC_OK ? 0 : -1;
}

/* "Name <aor>" or "aor". */
static int
parse_party(struct src_opts *o, const char *s, char *name, size_t ncap,
    char *aor, size_t acap)
{
	const char	*lt = strchr(s, '<'), *gt;
	size_t		 n;

	(void)o;
	if (lt == NULL) {
		snprintf(name, ncap, "%s", "");
		snprintf(aor, acap, "%s", s);
	} else {
		if ((gt = strchr(lt, '>')) == NULL)
			return -1;
		n = (size_t)(lt - s);
		while (n > 0 && s[n - 1] == ' ')
			n--;
		snprintf(name, ncap, "%.*s", (int)n, s);
		snprintf(aor, acap, "%.*s", (int)(gt - lt - 1), lt + 1);
	}
	if (strncasecmp(aor, "sip:", 4) != 0 && strncasecmp(aor, "sips:",
	    5) != 0 && strncasecmp(aor, "tel:", 4) != 0)
		return -1;
	return 0;
}

/* "2.5" seconds or "250ms" into ms. */
static int
parse_at(const char *s, uint64_t *ms)
{
	char	*end;
	double	 v;

	errno = 0;
	v = strtod(s, &end);
	if (errno != 0 || end == s || v < 0 || v > 86400)
		return -1;
	if (strcmp(end, "ms") == 0)
		*ms = (uint64_t)v;
	else if (*end == '\0' || strcmp(end, "s") == 0)
		*ms = (uint64_t)(v * 1000 + 0.5);
	else
		return -1;
	return 0;
}

static int
parse_event(struct src_opts *o, const char *at, const char *what)
{
	static const struct { const char *n; enum ev_kind k; } kinds[] = {
		{ "pause", EV_PAUSE }, { "pause-c0", EV_PAUSE_C0 },
		{ "resume", EV_RESUME }, { "join", EV_JOIN },
		{ "leave", EV_LEAVE }, { "transfer", EV_TRANSFER },
		{ "hold", EV_HOLD }, { "unhold", EV_UNHOLD },
		{ "snapshot", EV_SNAPSHOT }, { "refresh", EV_REFRESH },
	};
	struct src_event	*e;
	const char		*arg;
	size_t			 n, i;
	uint64_t		 v;

	if (o->nevents == SRC_MAX_EVENTS)
		return -1;
	e = &o->events[o->nevents];
	memset(e, 0, sizeof(*e));
	if (parse_at(at, &e->at_ms) != 0)
		return -1;
	if (o->nevents > 0 && e->at_ms < o->events[o->nevents - 1].at_ms)
		return -1;
	arg = strchr(what, '=');
	n = arg != NULL ? (size_t)(arg - what) : strlen(what);
	for (i = 0; i < sizeof(kinds) / sizeof(kinds[0]); i++)
		if (strlen(kinds[i].n) == n && strncmp(what, kinds[i].n, n) == 0)
			break;
	if (i == sizeof(kinds) / sizeof(kinds[0]))
		return -1;
	e->kind = kinds[i].k;
	if (arg != NULL) {
		arg++;
		switch (e->kind) {
		case EV_JOIN:
		case EV_TRANSFER:
			if (parse_party(o, arg, e->name, sizeof(e->name), e->aor,
			    sizeof(e->aor)) != 0)
				return -1;
			break;
		case EV_LEAVE:
		case EV_HOLD:
		case EV_UNHOLD:
			if (num(arg, 1, SRC_MAX_PARTIES, &v) != 0)
				return -1;
			e->party = (unsigned int)v;
			break;
		default:
			return -1;
		}
	}
	o->nevents++;
	return 0;
}

static int
parse_timeline(struct src_opts *o, const char *s)
{
	char	*copy, *tok, *save = NULL, *colon;
	int	 rc = 0;

	if ((copy = strdup(s)) == NULL)
		return -1;
	for (tok = strtok_r(copy, ",", &save); tok != NULL && rc == 0;
	    tok = strtok_r(NULL, ",", &save)) {
		if ((colon = strchr(tok, ':')) == NULL) {
			rc = -1;
			break;
		}
		*colon = '\0';
		rc = parse_event(o, tok, colon + 1);
	}
	free(copy);
	return rc;
}

static int
parse_scenario(struct src_opts *o, const char *path)
{
	FILE		*f;
	char		 line[512], *p, *sp;
	unsigned int	 ln = 0;

	if ((f = fopen(path, "r")) == NULL) {
		fprintf(stderr, "siprec-src: %s: %s\n", path, strerror(errno));
		return SIPREC_EXIT_INPUT;
	}
	while (fgets(line, sizeof(line), f) != NULL) {
		ln++;
		line[strcspn(line, "\r\n#")] = '\0';
		for (p = line; isspace((unsigned char)*p); p++)
			;
		if (*p == '\0')
			continue;
		sp = p + strcspn(p, " \t");
		if (*sp == '\0' || (*sp = '\0', parse_event(o, p,
		    sp + 1 + strspn(sp + 1, " \t")) != 0)) {
			fprintf(stderr, "siprec-src: %s:%u:1: error: bad event "
			    "(want 'AT EVENT[=ARG]', times in order)\n", path,
			    ln);
			fclose(f);
			return SIPREC_EXIT_INPUT;
		}
	}
	fclose(f);
	return 0;
}

static int
parse_codecs(struct src_opts *o, const char *s)
{
	char	buf[128], *tok, *save = NULL;

	snprintf(buf, sizeof(buf), "%s", s);
	o->ncodecs = 0;
	for (tok = strtok_r(buf, ", ", &save); tok != NULL;
	    tok = strtok_r(NULL, ", ", &save)) {
		if (o->ncodecs == 4 || siprec_enc_byname(tok,
		    &o->codecs[o->ncodecs]) != SIPREC_OK)
			return -1;
		o->ncodecs++;
	}
	return o->ncodecs > 0 ? 0 : -1;
}

static void
version(void)
{
	printf("siprec-src %s\n%s\n%s\nlibsrtp2 %s\n%s\n", SIPREC_VERSION,
	    siprec_sipmsg_libversion(), siprec_meta_libversion(),
	    srtp_get_version_string(), opus_get_version_string());
}

int
main(int argc, char *argv[])
{
	static struct src_opts	 o;
	const char		*audio = "speech", *scenario = NULL;
	const char		*codecs = NULL;
	struct siprec_diag	 d;
	struct siprec_addr	 tmp;
	struct rlimit		 rl;
	uint64_t		 v;
	unsigned int		 i;
	int			 ch, rc, nparty = 0;
	char			*tok, *save, *copy;
	double			 dv;

	cli_prog = "siprec-src";
	o.rate = 10;
	o.limit = 1000;
	o.max_calls = 1;
	o.duration_ms = 5000;
	o.nstreams = 2;
	o.ptime = 20;
	o.stats_interval_ms = 1000;
	o.media_threads = 1;
	o.persona = siprec_persona_get(SIPREC_P_RFC);
	memset(&d, 0, sizeof(d));
	(void)siprec_addr_parse("127.0.0.1:0", 0, &o.bind, &d);
	while ((ch = getopt_long(argc, argv, "A:a:b:C:c:d:e:F:f:hjl:M:m:n:P:p:"
	    "qRr:S:s:T:t:UVx:", longopts, NULL)) != -1)
		switch (ch) {
		case 'A':
			audio = optarg;
			break;
		case 'a':
			if (nparty == SRC_MAX_PARTIES || parse_party(&o, optarg,
			    o.party_buf[nparty][0], 128, o.party_buf[nparty][1],
			    128) != 0)
				return bad("--party", optarg, "want 'Name "
				    "<sip:user@host>' (at most 16)");
			nparty++;
			break;
		case 'b':
			if (siprec_addr_parse(optarg, 0, &o.bind, &d) !=
			    SIPREC_OK)
				return bad("--bind", optarg, d.detail);
			break;
		case 'C':
			if (strcmp(optarg, "xml") == 0)
				o.meta_ctype = "application/rs-metadata+xml";
			else if (strcmp(optarg, "plain") == 0)
				o.meta_ctype = "application/rs-metadata";
			else
				return bad("--content-type", optarg,
				    "xml or plain");
			break;
		case 'c':
			codecs = optarg;
			break;
		case 'd':
			if (num(optarg, 0, 86400000, &v) != 0)
				return bad("--duration", optarg,
				    "milliseconds, 0 to 86400000");
			o.duration_ms = v;
			break;
		case 'e':
			if (parse_timeline(&o, optarg) != 0)
				return bad("--timeline", optarg, "want AT:EVENT"
				    "[=ARG],... with times in order");
			break;
		case 'F':
			if (strcmp(optarg, "no-metadata") == 0)
				o.fault = FAULT_NO_METADATA;
			else if (strcmp(optarg, "no-labels") == 0)
				o.fault = FAULT_NO_LABELS;
			else if (strcmp(optarg, "bad-xml") == 0)
				o.fault = FAULT_BAD_XML;
			else if (strcmp(optarg, "wrong-type") == 0)
				o.fault = FAULT_WRONG_CTYPE;
			else if (strcmp(optarg, "oversize-udp") == 0)
				o.fault = FAULT_OVERSIZE_UDP;
			else
				return bad("--fault", optarg, "unknown fault");
			break;
		case 'f':
			scenario = optarg;
			break;
		case 'h':
			usage(stdout);
			return SIPREC_EXIT_OK;
		case 'j':
			o.json = 1;
			break;
		case 'l':
			if (num(optarg, 1, 10000000, &v) != 0)
				return bad("--limit", optarg, "1 to 10000000");
			o.limit = (unsigned long)v;
			break;
		case 'M':
			if (strlen(optarg) >= sizeof(o.media_ip) ||
			    siprec_addr_parse(optarg, 0, &tmp, &d) != SIPREC_OK)
				return bad("--media-ip", optarg, d.detail);
			snprintf(o.media_ip, sizeof(o.media_ip), "%s", optarg);
			break;
		case 'm':
			if (num(optarg, 1, UINT32_MAX, &v) != 0)
				return bad("--max-calls", optarg, "1 or more");
			o.max_calls = (unsigned long)v;
			break;
		case 'n':
			if (num(optarg, 1, SRC_MAX_STREAMS, &v) != 0)
				return bad("--streams", optarg, "1 to 16");
			o.nstreams = (unsigned int)v;
			break;
		case 'P':
			if (num(optarg, 10, 120, &v) != 0 || v % 10 != 0)
				return bad("--ptime", optarg,
				    "10 to 120 in steps of 10");
			o.ptime = (unsigned int)v;
			break;
		case 'p':
			if ((o.persona = siprec_persona_find(optarg)) == NULL)
				return bad("--persona", optarg, "unknown "
				    "(--list-personas lists them)");
			break;
		case 'q':
			o.quiet = 1;
			break;
		case 'R':
			o.rtcp = 1;
			break;
		case 'r':
			errno = 0;
			dv = strtod(optarg, &tok);
			if (errno != 0 || *tok != '\0' || dv <= 0 || dv > 1e6)
				return bad("--rate", optarg,
				    "calls per second, above 0");
			o.rate = dv;
			break;
		case 'S':
			o.stats_path = optarg;
			break;
		case 's':
			for (i = 0; siprec_sdes_suites[i] != NULL; i++)
				if (strcasecmp(optarg, siprec_sdes_suites[i]) ==
				    0)
					break;
			if (siprec_sdes_suites[i] == NULL)
				return bad("--srtp", optarg, "unknown suite");
			o.srtp = siprec_sdes_suites[i];
			break;
		case 'T':
			if (num(optarg, 1, 600000, &v) != 0)
				return bad("--timeout", optarg,
				    "milliseconds, 1 to 600000");
			o.timeout_ms = v;
			break;
		case 't':
			if (strcmp(optarg, "udp") == 0)
				o.transport = SIPREC_TRANSPORT_UDP;
			else if (strcmp(optarg, "tcp") == 0)
				o.transport = SIPREC_TRANSPORT_TCP;
			else if (strcmp(optarg, "auto") == 0)
				o.transport = 0;
			else
				return bad("--transport", optarg,
				    "udp, tcp or auto");
			break;
		case 'U':
			o.use_update = 1;
			break;
		case 'V':
			version();
			return SIPREC_EXIT_OK;
		case 'x':
			if (num(optarg, 0, UINT32_MAX, &v) != 0)
				return bad("--max-failures", optarg,
				    "0 or more");
			o.max_failures = (unsigned long)v;
			break;
		case OPT_STATS_FORMAT:
			if (strcmp(optarg, "json") == 0)
				o.stats_json = 1;
			else if (strcmp(optarg, "csv") != 0)
				return bad("--stats-format", optarg,
				    "csv or json");
			break;
		case OPT_STATS_INTERVAL:
			if (num(optarg, 10, 3600000, &v) != 0)
				return bad("--stats-interval", optarg,
				    "10 to 3600000 ms");
			o.stats_interval_ms = v;
			break;
		case OPT_FAILOVER_CODES:
			copy = strdup(optarg);
			save = NULL;
			for (tok = strtok_r(copy, ",", &save); tok != NULL;
			    tok = strtok_r(NULL, ",", &save)) {
				if (o.nfailover == 16 ||
				    num(tok, 300, 699, &v) != 0) {
					free(copy);
					return bad("--failover-codes", optarg,
					    "codes 300 to 699");
				}
				o.failover_codes[o.nfailover++] =
				    (unsigned int)v;
			}
			free(copy);
			break;
		case OPT_SESSION_EXPIRES:
			if (num(optarg, 90, 86400, &v) != 0)
				return bad("--session-expires", optarg,
				    "90 to 86400 s (RFC 4028 4)");
			o.session_expires = v;
			break;
		case OPT_SEED:
			if (num(optarg, 1, UINT64_MAX, &v) != 0)
				return bad("--seed", optarg, "1 or more");
			o.seed = v;
			break;
		case OPT_EPOCH:
			if (num(optarg, 1, 4102444800ull, &v) != 0)
				return bad("--epoch", optarg,
				    "seconds since 1970");
			o.epoch_ns = v * 1000000000ull;
			break;
		case OPT_MEDIA_THREADS:
			if (num(optarg, 1, 64, &v) != 0)
				return bad("--media-threads", optarg, "1 to 64");
			o.media_threads = (unsigned int)v;
			break;
		case OPT_CALLS:
			o.calls_detail = 1;
			break;
		case OPT_DRY_RUN:
			o.dry_run = 1;
			break;
		case OPT_MIXED:
			o.mixed = 1;
			break;
		case OPT_REALTIME:
			o.realtime = 1;
			break;
		case OPT_LIST_PERSONAS:
			for (i = 0; i < SIPREC_P__N; i++) {
				const struct siprec_persona *p =
				    siprec_persona_get((enum siprec_persona_id)i);

				printf("%-14s %s\n", p->name, p->what);
			}
			return SIPREC_EXIT_OK;
		default:
			usage(stderr);
			return SIPREC_EXIT_USAGE;
		}
	argc -= optind;
	argv += optind;

	/* Combinations. */
	if (argc == 0) {
		fprintf(stderr, "siprec-src: no SRS URI given\n");
		usage(stderr);
		return SIPREC_EXIT_USAGE;
	}
	if (argc > SRC_MAX_TARGETS)
		return bad("srs-uri", argv[SRC_MAX_TARGETS], "at most 16 SRSs");
	for (i = 0; i < (unsigned int)argc; i++)
		o.targets[i] = argv[i];
	o.ntargets = (unsigned int)argc;
	if (nparty == 0) {
		snprintf(o.party_buf[0][0], 128, "Alice");
		snprintf(o.party_buf[0][1], 128, "sip:alice@example.com");
		snprintf(o.party_buf[1][0], 128, "Bob");
		snprintf(o.party_buf[1][1], 128, "sip:bob@example.com");
		nparty = 2;
	}
	for (i = 0; i < (unsigned int)nparty; i++) {
		o.parties[i].name = o.party_buf[i][0];
		o.parties[i].aor = o.party_buf[i][1];
	}
	o.nparties = (unsigned int)nparty;
	if (o.persona->per_party) {
		/* A stream per party, each in a session of its own. */
		o.nstreams = o.nparties;
		o.mixed = 0;
	}
	if (codecs == NULL)
		codecs = o.persona->codecs;
	if (parse_codecs(&o, codecs) != 0)
		return bad("--codec", codecs, "PCMU, PCMA, G722, G729 or opus, "
		    "at most 4");
	if (o.media_ip[0] == '\0') {
		char buf[80];

		siprec_addr_format(&o.bind, buf, sizeof(buf));
		/* The address part of "ip:port" or "[ip6]:port". */
		if (buf[0] == '[')
			snprintf(o.media_ip, sizeof(o.media_ip), "%.*s",
			    (int)strcspn(buf + 1, "]"), buf + 1);
		else
			snprintf(o.media_ip, sizeof(o.media_ip), "%.*s",
			    (int)strcspn(buf, ":"), buf);
	}
	if (strcmp(audio, "tone") == 0 || strncmp(audio, "tone:", 5) == 0) {
		o.audio = AUDIO_TONE;
		o.tone_hz = 440;
		if (audio[4] == ':' && ((o.tone_hz = strtod(audio + 5, &tok)),
		    *tok != '\0' || o.tone_hz <= 0))
			return bad("--audio", audio, "tone:HZ");
	} else if (strcmp(audio, "speech") == 0)
		o.audio = AUDIO_SPEECH;
	else if (strchr(audio, ',') != NULL) {
		o.audio = AUDIO_FILES;
		copy = strdup(audio);
		save = NULL;
		for (tok = strtok_r(copy, ",", &save); tok != NULL;
		    tok = strtok_r(NULL, ",", &save))
			if (o.naudio_files < SRC_MAX_STREAMS)
				o.audio_files[o.naudio_files++] = strdup(tok);
		free(copy);
		if (o.naudio_files < o.nstreams)
			return bad("--audio", audio, "fewer files than "
			    "--streams");
	} else {
		o.audio = AUDIO_FILE;
		o.audio_files[0] = strdup(audio);
		o.naudio_files = 1;
	}
	if (scenario != NULL && (rc = parse_scenario(&o, scenario)) != 0)
		return rc;
	/*
	 * A socket per stream: a load test needs as many descriptors as
	 * the hard limit allows (SIPp does the same).
	 */
	if (getrlimit(RLIMIT_NOFILE, &rl) == 0 && rl.rlim_cur < rl.rlim_max) {
		rl.rlim_cur = rl.rlim_max;
		(void)setrlimit(RLIMIT_NOFILE, &rl);
	}
	if (o.dry_run)
		rc = src_dry_run(&o);
	else
		rc = src_run(&o);
	for (i = 0; i < o.naudio_files; i++)
		free(o.audio_files[i]);
	return rc;
}
