/* SPDX-License-Identifier: BSD-2-Clause */
/* siprec-meta-lint: validate RFC 7865 recording metadata. */
#define _GNU_SOURCE	/* memmem */
#include <errno.h>
#include <getopt.h>
#include <pthread.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <strings.h>
#include <unistd.h>

#include <siprec/capture.h>
#include <siprec/check.h>
#include <siprec/err.h>
#include <siprec/meta.h>
#include <siprec/sipmsg.h>

#include "../common/cli.h"
#include "../common/out.h"

#ifndef SIPREC_VERSION
#define SIPREC_VERSION "0"
#endif

enum intype { IN_AUTO, IN_XML, IN_SIP };

struct run {
	struct out		 out;
	struct siprec_sink	 sink;
	struct siprec_meta_ctx	*ctx;
	struct siprec_meta_state *state;
	const char		*file;
	int			 syserr;
	struct cli_buf		 buf;
};

static const struct option longopts[] = {
	{ "help",	 no_argument,		NULL, 'h' },
	{ "ignore",	 required_argument,	NULL, 'i' },
	{ "jobs",	 required_argument,	NULL, 'J' },
	{ "json",	 no_argument,		NULL, 'j' },
	{ "list-checks", no_argument,		NULL, 'l' },
	{ "max-size",	 required_argument,	NULL, 'm' },
	{ "merged",	 no_argument,		NULL, 'M' },
	{ "profile",	 required_argument,	NULL, 'p' },
	{ "quiet",	 no_argument,		NULL, 'q' },
	{ "sarif",	 no_argument,		NULL, 's' },
	{ "sequence",	 no_argument,		NULL, 'S' },
	{ "type",	 required_argument,	NULL, 't' },
	{ "version",	 no_argument,		NULL, 'V' },
	{ "level",	 required_argument,	NULL, 'W' },
	{ "schema",	 required_argument,	NULL, 'x' },
	{ NULL,		 0,			NULL, 0 }
};

static void
usage(FILE *f)
{
	fprintf(f,
"usage: siprec-meta-lint [-hjlMqsSV] [-i check] [-J jobs] [-m size] [-p profile]\n"
"                        [-t type] [-W level] [-x schema] [file ...]\n"
"Validate RFC 7865 recording metadata: XML documents, SIP messages, or a\n"
"session's sequence of them.  No file, or -, reads standard input.\n"
"\n"
"  -h, --help              print this help and exit\n"
"  -i, --ignore CHECK      do not report CHECK (L-07 or L-13/time-offset); repeatable\n"
"  -J, --jobs JOBS         check up to JOBS inputs at a time (default: CPUs, at most 8)\n"
"  -j, --json              findings as JSON Lines on stdout\n"
"  -l, --list-checks       list every check and exit\n"
"  -m, --max-size SIZE     largest input accepted (default 4M; K, M, G suffixes)\n"
"  -M, --merged            with --sequence, print the merged metadata on stdout\n"
"  -p, --profile PROFILE   strict (default) or lenient\n"
"  -q, --quiet             print no findings; the exit status answers\n"
"  -s, --sarif             findings as one SARIF 2.1.0 log on stdout\n"
"  -S, --sequence          the inputs are one recording session's documents, in order\n"
"  -t, --type TYPE         input type: auto (default), xml, sip\n"
"  -V, --version           print versions and exit\n"
"  -W, --level LEVEL       report and fail at LEVEL or above: info, warning (default), error\n"
"  -x, --schema FILE       validate against FILE instead of the built-in schema\n"
"\n"
"Exit status: 0 clean, 1 findings, 2 usage error, 3 unusable input,\n"
"4 system error.  See siprec-meta-lint(1).\n");
}

static void
emit(void *arg, const struct siprec_finding *f)
{
	struct run *r = arg;

	out_finding(&r->out, r->file, f);
}

static void
list_checks(const struct out *o)
{
	const struct siprec_check_info *ci;
	int i;

	for (i = 0; i < SIPREC_CHK__COUNT; i++) {
		ci = siprec_check_info((enum siprec_check)i);
		if (o->mode == OUT_JSON) {
			char id[64];

			snprintf(id, sizeof(id), "%s/%s", ci->rule, ci->name);
			printf("{\"id\":");
			siprec_json_str(stdout, id);
			printf(",\"rule\":");
			siprec_json_str(stdout, ci->rule);
			printf(",\"strict\":\"%s\",\"lenient\":\"%s\",\"ref\":",
			    siprec_sev_name(ci->strict),
			    siprec_sev_name(ci->lenient));
			siprec_json_str(stdout, ci->ref);
			printf(",\"message\":");
			siprec_json_str(stdout, ci->text);
			printf("}\n");
		} else
			printf("%s/%s\t%s\t%s\t%s\t%s\n", ci->rule, ci->name,
			    siprec_sev_name(ci->strict),
			    siprec_sev_name(ci->lenient), ci->ref, ci->text);
	}
}

static int
looks_like_xml(const uint8_t *p, size_t n)
{
	size_t i = 0;

	if (n >= 3 && p[0] == 0xEF && p[1] == 0xBB && p[2] == 0xBF)
		i = 3;
	while (i < n && (p[i] == ' ' || p[i] == '\t' || p[i] == '\r' ||
	    p[i] == '\n'))
		i++;
	return i < n && p[i] == '<';
}

static void
check_xml_state(struct run *r, struct siprec_meta_input *in,
    struct siprec_meta_state *st)
{
	struct siprec_meta_summary sum;
	struct siprec_diag d;

	if (siprec_meta_check(r->ctx, in, st, &r->sink, &sum, &d) !=
	    SIPREC_OK) {
		fprintf(r->out.diag, "%s: %s: %s\n", cli_prog, r->file,
		    d.detail);
		r->syserr = 1;
		return;
	}
	out_document(&r->out, r->file, in->line0, &sum);
	if (in->in_sip) {
		/* The tool passes the part index through line0's message. */
		in->in_sip = sum.snapshot ? 2 : 1;
	}
}

static void
check_xml(struct run *r, struct siprec_meta_input *in)
{
	check_xml_state(r, in, r->state);
}

static void check_sip_state(struct run *, const uint8_t *, size_t,
    struct siprec_meta_state *);

static void
check_sip(struct run *r, const uint8_t *buf, size_t len)
{
	check_sip_state(r, buf, len, r->state);
}

static void
check_sip_state(struct run *r, const uint8_t *buf, size_t len,
    struct siprec_meta_state *st)
{
	struct siprec_sipmsg *m = NULL;
	struct siprec_meta_input in;
	struct siprec_diag d;
	enum siprec_err e;
	size_t i;
	int found = 0;

	memset(&d, 0, sizeof(d));
	e = siprec_sipmsg_parse(buf, len, &r->sink, &m, &d);
	if (e == SIPREC_ENOMEM) {
		fprintf(r->out.diag, "%s: %s: %s\n", cli_prog, r->file,
		    siprec_strerror(e));
		r->syserr = 1;
		return;
	}
	if (e != SIPREC_OK) {
		siprec_report(&r->sink, SIPREC_CHK_SIP_PARSE, d.line, d.col,
		    "%s", d.detail);
		return;
	}
	for (i = 0; i < m->nparts; i++) {
		const struct siprec_part *pt = &m->parts[i];

		/* By type, or XML that is plainly metadata under another type. */
		if (!pt->metadata && !(looks_like_xml(pt->body.p, pt->body.len)
		    && memmem(pt->body.p, pt->body.len, "recording", 9) != NULL))
			continue;
		found = 1;
		memset(&in, 0, sizeof(in));
		in.xml = pt->body;
		in.line0 = pt->line;
		in.charset = pt->charset[0] ? pt->charset : NULL;
		in.in_sip = 1;
		in.has_sdp = m->has_sdp;
		in.media = m->media;
		in.nmedia = m->nmedia;
		in.sip_method = m->request ? m->method : NULL;
		check_xml_state(r, &in, st);
		siprec_sipmsg_check(m, i, in.in_sip == 2, &r->sink);
	}
	if (!found)
		siprec_report(&r->sink, SIPREC_CHK_IN_NO_METADATA, 1, 1,
		    "%zu body part%s, none of type application/rs-metadata+xml "
		    "or application/rs-metadata", m->nparts,
		    m->nparts == 1 ? "" : "s");
	siprec_sipmsg_free(m);
}

/* A pcap or pcapng file, by its magic number. */
static int
is_capture(const uint8_t *p, size_t n)
{
	static const uint8_t magic[][4] = {
		{ 0xd4, 0xc3, 0xb2, 0xa1 }, { 0xa1, 0xb2, 0xc3, 0xd4 },
		{ 0x4d, 0x3c, 0xb2, 0xa1 }, { 0xa1, 0xb2, 0x3c, 0x4d },
		{ 0x0a, 0x0d, 0x0d, 0x0a },
	};
	size_t i;

	for (i = 0; n >= 4 && i < sizeof(magic) / sizeof(magic[0]); i++)
		if (memcmp(p, magic[i], 4) == 0)
			return 1;
	return 0;
}

/* One recording session's state, by Call-ID, while linting a capture. */
struct cap_session {
	struct cap_session	*next;
	char			 call_id[256];
	struct siprec_meta_state *st;
	unsigned long		 seen[64];	/* CSeq * 1000 + status or 999 */
	unsigned int		 nseen;
};

/*
 * Every metadata body in a capture, in order, each SIP dialog with its
 * own state so the stateful checks run per recording session.  Findings
 * name the capture and the record: "cap.pcap#r42:17:3".
 */
static void
check_capture(struct run *r, const char *path)
{
	struct cap_session *sessions = NULL, *cs;
	struct siprec_capture *cap = NULL;
	struct siprec_pkt p;
	struct siprec_diag d;
	enum siprec_err e;
	const char *file = r->file;
	char where[512];
	size_t nsip = 0, ndocs = 0;

	memset(&d, 0, sizeof(d));
	if ((e = siprec_capture_open(&path, 1, NULL, &cap, &d)) != SIPREC_OK) {
		siprec_report(&r->sink, SIPREC_CHK_IN_UNRECOGNISED, 0, 0,
		    "%s", d.detail);
		return;
	}
	for (;;) {
		struct siprec_sipmsg *m = NULL;
		unsigned long key;
		unsigned int i;
		size_t k;

		memset(&d, 0, sizeof(d));
		e = siprec_capture_next(cap, &p, &d);
		if (e == SIPREC_ENOTFOUND)
			break;
		if (e != SIPREC_OK) {
			r->file = file;
			siprec_report(&r->sink, SIPREC_CHK_IN_UNRECOGNISED, 0, 0,
			    "%s", d.detail);
			if (e == SIPREC_EPARSE)
				continue;
			break;
		}
		if (p.kind == SIPREC_PKT_UDP && !siprec_sipmsg_sniff(p.data.p,
		    p.data.len > 512 ? 512 : p.data.len))
			continue;
		snprintf(where, sizeof(where), "%s#r%llu", file,
		    (unsigned long long)p.record);
		r->file = where;
		if (siprec_sipmsg_parse(p.data.p, p.data.len, NULL, &m, &d) !=
		    SIPREC_OK || m->bare)
			goto next;
		nsip++;
		for (k = 0; k < m->nparts && !m->parts[k].metadata; k++)
			;
		if (k == m->nparts)
			goto next;
		for (cs = sessions; cs != NULL; cs = cs->next)
			if (strcmp(cs->call_id, m->call_id) == 0)
				break;
		if (cs == NULL) {
			cs = calloc(1, sizeof(*cs));
			if (cs == NULL || siprec_meta_state_new(&cs->st) !=
			    SIPREC_OK) {
				free(cs);
				r->syserr = 1;
				goto next;
			}
			snprintf(cs->call_id, sizeof(cs->call_id), "%s",
			    m->call_id);
			cs->next = sessions;
			sessions = cs;
		}
		/* A retransmission carries the same body: check it once. */
		key = m->cseq * 1000 + (m->request ? 999u :
		    (unsigned long)m->status);
		for (i = 0; i < cs->nseen; i++)
			if (cs->seen[i] == key)
				goto next;
		cs->seen[cs->nseen++ % 64] = key;
		siprec_sipmsg_free(m);
		m = NULL;
		ndocs++;
		check_sip_state(r, p.data.p, p.data.len, cs->st);
next:
		siprec_sipmsg_free(m);
	}
	r->file = file;
	if (ndocs == 0)
		siprec_report(&r->sink, SIPREC_CHK_IN_NO_METADATA, 0, 0,
		    "%zu SIP messages in the capture, none with metadata", nsip);
	while ((cs = sessions) != NULL) {
		sessions = cs->next;
		siprec_meta_state_free(cs->st);
		free(cs);
	}
	siprec_capture_free(cap);
}

static void
check_file(struct run *r, const char *path, size_t max, enum intype type)
{
	struct siprec_meta_input in;
	uint8_t *buf;
	size_t len;
	int rc;

	r->file = strcmp(path, "-") == 0 ? "<stdin>" : path;
	rc = cli_read(path, max, &r->buf);
	buf = r->buf.p;
	len = r->buf.len;
	if (rc == -1) {
		fprintf(r->out.diag, "%s: %s: %s\n", cli_prog, r->file,
		    strerror(errno));
		r->syserr = 1;
		return;
	}
	if (rc == 1) {
		siprec_report(&r->sink, SIPREC_CHK_IN_TOO_LARGE, 0, 0,
		    "larger than %zu bytes (see --max-size)", max);
		return;
	}
	if (len == 0)
		siprec_report(&r->sink, SIPREC_CHK_IN_EMPTY, 0, 0, NULL);
	else if (type == IN_AUTO && is_capture(buf, len)) {
		if (strcmp(path, "-") == 0)
			siprec_report(&r->sink, SIPREC_CHK_IN_UNRECOGNISED, 1, 1,
			    "a packet capture on standard input: give it as a "
			    "file name");
		else
			check_capture(r, path);
	}
	else if (type == IN_XML || (type == IN_AUTO &&
	    looks_like_xml(buf, len))) {
		memset(&in, 0, sizeof(in));
		in.xml.p = buf;
		in.xml.len = len;
		in.line0 = 1;
		check_xml(r, &in);
	} else if (type == IN_SIP || siprec_sipmsg_sniff(buf, len))
		check_sip(r, buf, len);
	else
		siprec_report(&r->sink, SIPREC_CHK_IN_UNRECOGNISED, 1, 1,
		    "it starts neither with '<' nor with a SIP start line or "
		    "a multipart delimiter");
}

/*
 * Many inputs without --sequence are checked by worker threads, one
 * checker each, so all cores work in the one process.  Each input's output
 * is buffered and printed in input order, so the result is the same as a
 * single-threaded run, byte for byte.
 */
struct job {
	char		*data, *diag;
	size_t		 ndata, ndiag;
	unsigned long	 count[SIPREC_SEV_FATAL + 1];
	unsigned long	 nresults;
	int		 syserr;
	int		 done;
};

struct pool {
	const struct run	*proto;
	char			**files;
	struct job		*jobs;
	size_t			 njobs;
	size_t			 next;		/* guarded by lock */
	size_t			 max;
	enum intype		 type;
	pthread_mutex_t		 lock;
	pthread_cond_t		 cond;
};

struct worker {
	struct pool		*pool;
	struct siprec_meta_ctx	*ctx;
};

static void *
work(void *arg)
{
	struct worker *w = arg;
	struct pool *p = w->pool;
	struct run r;
	struct job *j;
	size_t i;

	r = *p->proto;
	r.ctx = w->ctx;
	r.sink.arg = &r;
	memset(&r.buf, 0, sizeof(r.buf));
	for (;;) {
		pthread_mutex_lock(&p->lock);
		i = p->next++;
		pthread_mutex_unlock(&p->lock);
		if (i >= p->njobs)
			break;
		j = &p->jobs[i];
		r.out.data = open_memstream(&j->data, &j->ndata);
		r.out.diag = open_memstream(&j->diag, &j->ndiag);
		if (r.out.data == NULL || r.out.diag == NULL) {
			fprintf(stderr, "%s: out of memory\n", cli_prog);
			exit(SIPREC_EXIT_SYSTEM);
		}
		memset(r.out.count, 0, sizeof(r.out.count));
		r.out.nresults = 0;
		r.syserr = 0;
		check_file(&r, p->files[i], p->max, p->type);
		fclose(r.out.data);
		fclose(r.out.diag);
		memcpy(j->count, r.out.count, sizeof(j->count));
		j->nresults = r.out.nresults;
		j->syserr = r.syserr;
		pthread_mutex_lock(&p->lock);
		j->done = 1;
		pthread_cond_broadcast(&p->cond);
		pthread_mutex_unlock(&p->lock);
	}
	free(r.buf.p);
	return NULL;
}

/* Check files with nthreads workers; print in order into r's streams. */
static void
check_parallel(struct run *r, char **files, size_t n, size_t max,
    enum intype type, int nthreads, const struct siprec_meta_opts *mo)
{
	struct pool p;
	struct worker *w;
	pthread_t *t;
	size_t i;
	int k, started = 0;

	memset(&p, 0, sizeof(p));
	p.proto = r;
	p.files = files;
	p.njobs = n;
	p.max = max;
	p.type = type;
	p.jobs = xreallocarray(NULL, n, sizeof(*p.jobs));
	memset(p.jobs, 0, n * sizeof(*p.jobs));
	pthread_mutex_init(&p.lock, NULL);
	pthread_cond_init(&p.cond, NULL);
	w = xreallocarray(NULL, (size_t)nthreads, sizeof(*w));
	t = xreallocarray(NULL, (size_t)nthreads, sizeof(*t));
	for (k = 0; k < nthreads; k++) {
		w[k].pool = &p;
		w[k].ctx = NULL;
		if (k == 0)
			w[k].ctx = r->ctx;
		else if (siprec_meta_ctx_new(mo, &w[k].ctx, NULL) != SIPREC_OK)
			break;
		if (pthread_create(&t[k], NULL, work, &w[k]) != 0) {
			if (k != 0)
				siprec_meta_ctx_free(w[k].ctx);
			break;
		}
		started++;
	}
	if (started == 0) {
		/* No thread could start: check them here, in order. */
		for (i = 0; i < n; i++)
			check_file(r, files[i], max, type);
		goto out;
	}
	for (i = 0; i < n; i++) {
		struct job *j = &p.jobs[i];

		pthread_mutex_lock(&p.lock);
		while (!j->done)
			pthread_cond_wait(&p.cond, &p.lock);
		pthread_mutex_unlock(&p.lock);
		if (r->out.mode == OUT_SARIF && j->nresults > 0 &&
		    r->out.nresults > 0)
			fputc(',', r->out.data);
		fwrite(j->data, 1, j->ndata, r->out.data);
		fwrite(j->diag, 1, j->ndiag, r->out.diag);
		for (k = 0; k <= SIPREC_SEV_FATAL; k++)
			r->out.count[k] += j->count[k];
		r->out.nresults += j->nresults;
		r->syserr |= j->syserr;
		free(j->data);
		free(j->diag);
	}
	for (k = 0; k < started; k++) {
		pthread_join(t[k], NULL);
		if (k != 0)
			siprec_meta_ctx_free(w[k].ctx);
	}
out:
	pthread_mutex_destroy(&p.lock);
	pthread_cond_destroy(&p.cond);
	free(p.jobs);
	free(w);
	free(t);
}

int
main(int argc, char *argv[])
{
	struct run r;
	struct siprec_meta_opts mo;
	struct siprec_diag d;
	enum intype type = IN_AUTO;
	enum siprec_err e;
	uint64_t v;
	int ch, i, list = 0, merged = 0, sequence = 0, sev, nthreads, jobs = 0;

	cli_prog = "siprec-meta-lint";
	memset(&r, 0, sizeof(r));
	memset(&mo, 0, sizeof(mo));
	r.out.data = stdout;
	r.out.diag = stderr;
	r.out.prog = cli_prog;
	r.out.version = SIPREC_VERSION;
	r.out.level = SIPREC_SEV_WARNING;
	r.sink.emit = emit;
	r.sink.arg = &r;
	mo.max_size = SIPREC_META_MAX_DEFAULT;

	while ((ch = getopt_long(argc, argv, "hi:jJ:lm:Mp:qsSt:VW:x:", longopts,
	    NULL)) != -1) {
		switch (ch) {
		case 'h':
			usage(stdout);
			return SIPREC_EXIT_OK;
		case 'i':
			if ((i = siprec_check_lookup(optarg)) < 0)
				goto bad_value;
			if (strchr(optarg, '/') != NULL)
				r.sink.sev_override[i] = SIPREC_SEV_OFF + 1;
			else
				for (; i < SIPREC_CHK__COUNT && strcasecmp(
				    siprec_check_info(i)->rule, optarg) == 0;
				    i++)
					r.sink.sev_override[i] =
					    SIPREC_SEV_OFF + 1;
			break;
		case 'j':
			r.out.mode = OUT_JSON;
			break;
		case 'J':
			if (siprec_parse_u64(optarg, 1, 64, 0, &v) != SIPREC_OK)
				goto bad_value;
			jobs = (int)v;
			break;
		case 'l':
			list = 1;
			break;
		case 'm':
			if (siprec_parse_u64(optarg, 1, (uint64_t)1 << 31, 1, &v)
			    != SIPREC_OK)
				goto bad_value;
			mo.max_size = (size_t)v;
			break;
		case 'M':
			merged = 1;
			break;
		case 'p':
			if (strcmp(optarg, "strict") == 0)
				r.sink.profile = SIPREC_PROFILE_STRICT;
			else if (strcmp(optarg, "lenient") == 0)
				r.sink.profile = SIPREC_PROFILE_LENIENT;
			else
				goto bad_value;
			break;
		case 'q':
			r.out.quiet = 1;
			break;
		case 's':
			r.out.mode = OUT_SARIF;
			break;
		case 'S':
			sequence = 1;
			break;
		case 't':
			if (strcmp(optarg, "auto") == 0)
				type = IN_AUTO;
			else if (strcmp(optarg, "xml") == 0)
				type = IN_XML;
			else if (strcmp(optarg, "sip") == 0)
				type = IN_SIP;
			else
				goto bad_value;
			break;
		case 'V':
			printf("siprec-meta-lint %s\n%s\n%s\n", SIPREC_VERSION,
			    siprec_meta_libversion(),
			    siprec_sipmsg_libversion());
			return SIPREC_EXIT_OK;
		case 'W':
			if ((sev = siprec_sev_parse(optarg)) < 0 ||
			    sev == SIPREC_SEV_FATAL)
				goto bad_value;
			r.out.level = (enum siprec_sev)sev;
			break;
		case 'x':
			mo.schema_path = optarg;
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
	argc -= optind;
	argv += optind;

	if (list) {
		list_checks(&r.out);
		return SIPREC_EXIT_OK;
	}
	if (merged && !sequence) {
		fprintf(stderr, "%s: --merged needs --sequence\n", cli_prog);
		usage(stderr);
		return SIPREC_EXIT_USAGE;
	}
	if (merged && r.out.mode != OUT_TEXT) {
		fprintf(stderr, "%s: --merged writes XML on stdout; it does "
		    "not combine with --json or --sarif\n", cli_prog);
		return SIPREC_EXIT_USAGE;
	}
	memset(&d, 0, sizeof(d));
	if ((e = siprec_meta_ctx_new(&mo, &r.ctx, &d)) != SIPREC_OK) {
		fprintf(stderr, "%s: %s: %s%s%s\n", cli_prog,
		    mo.schema_path ? mo.schema_path : "built-in schema",
		    siprec_strerror(e), d.detail[0] ? ": " : "", d.detail);
		return e == SIPREC_ENOMEM ? SIPREC_EXIT_SYSTEM :
		    SIPREC_EXIT_INPUT;
	}
	if (sequence && siprec_meta_state_new(&r.state) != SIPREC_OK) {
		fprintf(stderr, "%s: out of memory\n", cli_prog);
		return SIPREC_EXIT_SYSTEM;
	}
	out_begin(&r.out);
	nthreads = jobs;
	if (nthreads == 0) {
		nthreads = (int)sysconf(_SC_NPROCESSORS_ONLN);
		if (nthreads > 8)
			nthreads = 8;
	}
	if (argc == 0)
		check_file(&r, "-", mo.max_size, type);
	else if (!sequence && nthreads > 1 && argc > 1)
		check_parallel(&r, argv, (size_t)argc, mo.max_size, type,
		    nthreads, &mo);
	else
		for (i = 0; i < argc; i++)
			check_file(&r, argv[i], mo.max_size, type);
	if (merged) {
		char *xml;
		size_t n;

		if (siprec_meta_state_dump(r.state, &xml, &n) == SIPREC_OK) {
			fwrite(xml, 1, n, stdout);
			free(xml);
		} else
			fprintf(stderr, "%s: no complete RFC 7865 snapshot in "
			    "the sequence; nothing merged\n", cli_prog);
	}
	out_end(&r.out);
	siprec_meta_state_free(r.state);
	siprec_meta_ctx_free(r.ctx);
	free(r.buf.p);
	if (r.syserr)
		return SIPREC_EXIT_SYSTEM;
	if (r.out.count[SIPREC_SEV_FATAL] > 0)
		return SIPREC_EXIT_INPUT;
	for (sev = r.out.level; sev < SIPREC_SEV_FATAL; sev++)
		if (r.out.count[sev] > 0)
			return SIPREC_EXIT_FINDINGS;
	return SIPREC_EXIT_OK;
}
