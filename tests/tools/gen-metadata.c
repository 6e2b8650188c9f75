/* SPDX-License-Identifier: BSD-2-Clause */
/* gen-metadata: reproducible, schema-valid RFC 7865 documents to benchmark. */

#include <sys/stat.h>

#include <errno.h>
#include <getopt.h>
#include <stdarg.h>
#include <stdint.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <time.h>

#define REC_NS		"urn:ietf:params:xml:ns:recording:1"
#define EXT_NS		"http://example.com/siprec/ext"
#define DOC_CAP		8192	/* one document; they stay under 5 KB */
#define COUNT_MAX	1000000u
#define NPART_MAX	4
#define NELEM(a)	((uint32_t)(sizeof(a) / sizeof((a)[0])))
#define ID_LEN		24	/* base64 of 16 bytes, "==" padded */
#define HEX_LEN		32

/* 2024-01-01T00:00:00Z; call start times fall in the year after it. */
#define EPOCH_BASE	1704067200LL

static const char *progname = "gen-metadata";

static const char *const firsts[] = {
	"Alice", "Bob", "Carol", "Dave", "Erin", "Frank", "Grace", "Heidi",
	"Ivan", "Judy", "Mallory", "Niaj", "Olivia", "Peggy", "Rupert",
	"Sybil", "Trent", "Victor", "Walter", "Zo\303\253",
};
static const char *const lasts[] = {
	"Smith", "Jones", "Garc\303\255a", "Miller", "Davis", "Martin",
	"Brown", "Wilson", "Moore", "Taylor", "Anderson", "Thomas", "Jackson",
	"White", "Harris", "Clark", "Lewis", "Walker",
};
static const char *const domains[] = {
	"example.com", "example.net", "example.org", "sbc1.example.com",
	"pbx.example.net",
};
static const char *const areas[] = {
	"202", "212", "312", "415", "617", "718", "805",
};
static const char *const roles[] = {
	"caller", "callee", "conferee", "conferee",
};

/* splitmix64 (Steele, Lea, Flood 2014): small, fast, good enough here. */
struct rng {
	uint64_t	s;
};

static uint64_t
mix64(uint64_t z)
{
	z = (z ^ (z >> 30)) * 0xbf58476d1ce4e5b9ULL;
	z = (z ^ (z >> 27)) * 0x94d049bb133111ebULL;
	return z ^ (z >> 31);
}

static uint64_t
rng_next(struct rng *r)
{
	r->s += 0x9e3779b97f4a7c15ULL;
	return mix64(r->s);
}

/* Uniform enough in [0, n) for n far below 2^32 (the bias is < 2^-32). */
static uint32_t
rng_below(struct rng *r, uint32_t n)
{
	return (uint32_t)(rng_next(r) % n);
}

static void
rng_bytes(struct rng *r, uint8_t *p, size_t n)
{
	uint64_t	v = 0;
	size_t		i;

	for (i = 0; i < n; i++) {
		if (i % 8 == 0)
			v = rng_next(r);
		p[i] = (uint8_t)(v >> (8 * (i % 8)));
	}
}

/* A random (version 4) UUID, RFC 4122 section 4.4. */
static void
make_uuid(struct rng *r, uint8_t u[16])
{
	rng_bytes(r, u, 16);
	u[6] = (uint8_t)((u[6] & 0x0f) | 0x40);
	u[8] = (uint8_t)((u[8] & 0x3f) | 0x80);
}

/* An RFC 7865 section 6.10 identifier: base64 (RFC 4648) of a UUID. */
static void
make_id(struct rng *r, char out[ID_LEN + 1])
{
	static const char	 b64[] =
	    "ABCDEFGHIJKLMNOPQRSTUVWXYZabcdefghijklmnopqrstuvwxyz0123456789+/";
	uint8_t			 u[16];
	uint32_t		 v;
	size_t			 i, o = 0;

	make_uuid(r, u);
	for (i = 0; i + 3 <= sizeof(u); i += 3) {
		v = (uint32_t)u[i] << 16 | (uint32_t)u[i + 1] << 8 | u[i + 2];
		out[o++] = b64[v >> 18 & 63];
		out[o++] = b64[v >> 12 & 63];
		out[o++] = b64[v >> 6 & 63];
		out[o++] = b64[v & 63];
	}
	/* 16 = 5 * 3 + 1: one byte left, two pad characters. */
	v = (uint32_t)u[15] << 16;
	out[o++] = b64[v >> 18 & 63];
	out[o++] = b64[v >> 12 & 63];
	out[o++] = '=';
	out[o++] = '=';
	out[o] = '\0';
}

/* 32 lower-case hex digits of a v4 UUID, as RFC 7989 Session-IDs look. */
static void
make_hex(struct rng *r, char out[HEX_LEN + 1])
{
	static const char	 hex[] = "0123456789abcdef";
	uint8_t			 u[16];
	size_t			 i;

	make_uuid(r, u);
	for (i = 0; i < sizeof(u); i++) {
		out[2 * i] = hex[u[i] >> 4];
		out[2 * i + 1] = hex[u[i] & 15];
	}
	out[HEX_LEN] = '\0';
}

/* An RFC 3339 UTC time from milliseconds since the epoch. */
static void
fmt_time(char *out, size_t cap, long long ms, int frac)
{
	struct tm	tm;
	time_t		t = (time_t)(ms / 1000);
	size_t		n;

	if (gmtime_r(&t, &tm) == NULL ||
	    (n = strftime(out, cap, "%Y-%m-%dT%H:%M:%S", &tm)) == 0) {
		out[0] = '\0';
		return;
	}
	if (frac)
		snprintf(out + n, cap - n, ".%03dZ", (int)(ms % 1000));
	else
		snprintf(out + n, cap - n, "Z");
}

struct buf {
	char	p[DOC_CAP];
	size_t	len;
	int	full;
};

static void	bput(struct buf *, const char *, ...)
		    __attribute__((format(printf, 2, 3)));

static void
bput(struct buf *b, const char *fmt, ...)
{
	va_list	ap;
	int	n;

	if (b->full)
		return;
	va_start(ap, fmt);
	n = vsnprintf(b->p + b->len, sizeof(b->p) - b->len, fmt, ap);
	va_end(ap);
	if (n < 0 || (size_t)n >= sizeof(b->p) - b->len)
		b->full = 1;
	else
		b->len += (size_t)n;
}

struct part {
	char		id[ID_LEN + 1];
	char		aor[96];
	char		name[64];
	long long	join;		/* ms */
	int		sends;		/* the stream it sends */
	const char	*role;
};

/*
 * The ASCII user part of a SIP URI for a display name: "Zoe Garcia" (with
 * their accents in UTF-8) gives "zoe.garcia".  Only the Latin-1 letters
 * used in the tables above are folded.
 */
static void
userpart(char *out, size_t cap, const char *name)
{
	const unsigned char	*s = (const unsigned char *)name;
	size_t			 o = 0;
	unsigned char		 c;

	for (; *s != '\0' && o + 1 < cap; s++) {
		c = *s;
		if (c == 0xc3 && s[1] != '\0') {
			c = *++s;
			if (c >= 0xa0 && c <= 0xa5)
				c = 'a';
			else if (c >= 0xa8 && c <= 0xab)
				c = 'e';
			else if (c >= 0xac && c <= 0xaf)
				c = 'i';
			else if (c >= 0xb2 && c <= 0xb6)
				c = 'o';
			else if (c >= 0xb9 && c <= 0xbc)
				c = 'u';
			else
				continue;
		} else if (c == ' ')
			c = '.';
		else if (c >= 'A' && c <= 'Z')
			c = (unsigned char)(c - 'A' + 'a');
		else if (c >= 0x80)
			continue;
		out[o++] = (char)c;
	}
	out[o] = '\0';
}

/* Participants with distinct names; half are people, half phone numbers. */
static void
make_parts(struct rng *r, struct part *p, int np, long long start, int frac)
{
	int		used[NPART_MAX];
	char		user[64];
	const char	*dom;
	int		i, j, k, clash;

	for (i = 0; i < np; i++) {
		make_id(r, p[i].id);
		do {
			k = (int)rng_below(r, NELEM(firsts));
			for (clash = 0, j = 0; j < i; j++)
				clash |= used[j] == k;
		} while (clash);
		used[i] = k;
		dom = domains[rng_below(r, NELEM(domains))];
		if (rng_below(r, 2) == 0) {
			snprintf(p[i].name, sizeof(p[i].name), "%s %s",
			    firsts[k], lasts[rng_below(r, NELEM(lasts))]);
			userpart(user, sizeof(user), p[i].name);
			snprintf(p[i].aor, sizeof(p[i].aor), "sip:%s@%s",
			    user, dom);
		} else {
			/* 555-01xx numbers are reserved for fiction. */
			const char *area = areas[rng_below(r, NELEM(areas))];

			snprintf(p[i].aor, sizeof(p[i].aor),
			    "sip:+1%s55501%02d@%s", area, k, dom);
			snprintf(p[i].name, sizeof(p[i].name),
			    "+1 %s-555-01%02d", area, k);
		}
		/*
		 * Caller and callee join at the start; others are transferred
		 * or conferenced in later and hear the callee's side mixed.
		 */
		p[i].join = start;
		if (i >= 2) {
			p[i].join += 1000LL * (30 + rng_below(r, 570));
			if (frac)
				p[i].join += rng_below(r, 1000);
		}
		p[i].sends = i == 0 ? 0 : 1;
		p[i].role = roles[i];
	}
}

/*
 * One complete-mode document into b.  At most one PRNG draw per
 * expression: C leaves the order of argument evaluation open, and the
 * output must not depend on the compiler.
 */
static void
make_doc(struct rng *r, struct buf *b, int ext)
{
	struct part	p[NPART_MAX];
	char		gid[ID_LEN + 1], sid[ID_LEN + 1], st[2][ID_LEN + 1];
	char		loc[HEX_LEN + 1], rem[HEX_LEN + 1];
	char		callid[HEX_LEN + 1];
	char		t0[40], t1[40], tr[40], tj[40];
	const char	*dom;
	long long	start, stop = 0;
	int		np, frac, ended, i, s;

	/* Most calls are two-party; some have a transfer or a conference. */
	np = rng_below(r, 10);
	np = np < 7 ? 2 : np < 9 ? 3 : 4;
	frac = rng_below(r, 3) == 0;	/* Cisco-style milliseconds */
	ended = rng_below(r, 4) == 0;	/* final snapshot of the call */
	start = 1000LL * (EPOCH_BASE + rng_below(r, 365u * 86400u));
	if (frac)
		start += rng_below(r, 1000);
	if (ended)
		stop = start + 1000LL * (700 + rng_below(r, 2900));
	make_id(r, gid);
	make_id(r, sid);
	make_id(r, st[0]);
	make_id(r, st[1]);
	make_hex(r, loc);
	make_hex(r, rem);
	make_hex(r, callid);
	make_parts(r, p, np, start, frac);
	fmt_time(t0, sizeof(t0), start, frac);
	fmt_time(t1, sizeof(t1), stop, frac);
	/* The SRS leg is set up a moment after the CS starts. */
	fmt_time(tr, sizeof(tr), start + (frac ? 200 + rng_below(r, 1300) :
	    1000LL * rng_below(r, 2)), frac);

	bput(b, "<?xml version=\"1.0\" encoding=\"UTF-8\"?>\n"
	    "<recording xmlns=\"" REC_NS "\">\n"
	    "  <datamode>complete</datamode>\n");

	bput(b, "  <group group_id=\"%s\">\n"
	    "    <associate-time>%s</associate-time>\n", gid, t0);
	if (ext)
		bput(b, "    <ext:groupData xmlns:ext=\"" EXT_NS "\">"
		    "<ext:tenant>%03u</ext:tenant></ext:groupData>\n",
		    rng_below(r, 1000));
	bput(b, "  </group>\n");

	bput(b, "  <session session_id=\"%s\">\n"
	    "    <sipSessionID>%s;remote=%s</sipSessionID>\n", sid, loc, rem);
	if (ended)
		bput(b, "    <reason protocol=\"Q.850\" cause=\"16\">"
		    "Normal call clearing</reason>\n");
	bput(b, "    <group-ref>%s</group-ref>\n"
	    "    <start-time>%s</start-time>\n", gid, t0);
	if (ended)
		bput(b, "    <stop-time>%s</stop-time>\n", t1);
	if (ext) {
		dom = domains[rng_below(r, 3)];
		bput(b, "    <ext:callData xmlns:ext=\"" EXT_NS "\">"
		    "<ext:callid>%.16s@%s</ext:callid>"
		    "<ext:retention>P%uD</ext:retention></ext:callData>\n",
		    callid, dom, 30u * (1 + rng_below(r, 12)));
	}
	bput(b, "  </session>\n");

	for (i = 0; i < np; i++) {
		bput(b, "  <participant participant_id=\"%s\">\n"
		    "    <nameID aor=\"%s\">\n"
		    "      <name xml:lang=\"en\">%s</name>\n"
		    "    </nameID>\n", p[i].id, p[i].aor, p[i].name);
		if (ext)
			bput(b, "    <ext:role xmlns:ext=\"" EXT_NS "\">%s"
			    "</ext:role>\n", p[i].role);
		bput(b, "  </participant>\n");
	}

	for (s = 0; s < 2; s++)
		bput(b, "  <stream stream_id=\"%s\" session_id=\"%s\">\n"
		    "    <label>%d</label>\n"
		    "  </stream>\n", st[s], sid, s + 1);

	bput(b, "  <sessionrecordingassoc session_id=\"%s\">\n"
	    "    <associate-time>%s</associate-time>\n", sid, tr);
	if (ended)
		bput(b, "    <disassociate-time>%s</disassociate-time>\n", t1);
	bput(b, "  </sessionrecordingassoc>\n");

	for (i = 0; i < np; i++) {
		fmt_time(tj, sizeof(tj), p[i].join, frac);
		bput(b, "  <participantsessionassoc participant_id=\"%s\""
		    " session_id=\"%s\">\n"
		    "    <associate-time>%s</associate-time>\n",
		    p[i].id, sid, tj);
		if (ended)
			bput(b, "    <disassociate-time>%s"
			    "</disassociate-time>\n", t1);
		bput(b, "  </participantsessionassoc>\n");
	}

	/*
	 * RFC 7865 6.8: each side sends its stream and hears the other.
	 * Like most SRCs, give a time only where it differs from the start.
	 */
	for (i = 0; i < np; i++) {
		bput(b, "  <participantstreamassoc participant_id=\"%s\">\n"
		    "    <send>%s</send>\n"
		    "    <recv>%s</recv>\n",
		    p[i].id, st[p[i].sends], st[1 - p[i].sends]);
		if (p[i].join != start) {
			fmt_time(tj, sizeof(tj), p[i].join, frac);
			bput(b, "    <associate-time>%s</associate-time>\n",
			    tj);
		}
		bput(b, "  </participantstreamassoc>\n");
	}
	bput(b, "</recording>\n");
}

static int
write_file(const char *path, const char *p, size_t len)
{
	FILE	*f;

	if ((f = fopen(path, "w")) == NULL) {
		fprintf(stderr, "%s: %s: %s\n", progname, path,
		    strerror(errno));
		return -1;
	}
	if (fwrite(p, 1, len, f) != len) {
		fprintf(stderr, "%s: %s: %s\n", progname, path,
		    strerror(errno));
		(void)fclose(f);
		return -1;
	}
	if (fclose(f) != 0) {
		fprintf(stderr, "%s: %s: %s\n", progname, path,
		    strerror(errno));
		return -1;
	}
	return 0;
}

static void
usage(FILE *f)
{
	fprintf(f, "usage: %s [-n COUNT] [-s SEED] DIR\n"
	    "  -n, --count COUNT  documents to write (default 10000, max %u)\n"
	    "  -s, --seed SEED    PRNG seed (default 1)\n"
	    "  -h, --help         this text\n"
	    "Writes DIR/doc-00000.xml ... and DIR/list.\n",
	    progname, COUNT_MAX);
}

static int
parse_num(const char *s, unsigned long long max, unsigned long long *out)
{
	char			*end;
	unsigned long long	 v;

	if (*s == '\0' || *s == '-')
		return -1;
	errno = 0;
	v = strtoull(s, &end, 0);
	if (errno != 0 || *end != '\0' || v > max)
		return -1;
	*out = v;
	return 0;
}

int
main(int argc, char *argv[])
{
	static const struct option	 longopts[] = {
		{ "count",	required_argument, NULL,	'n' },
		{ "seed",	required_argument, NULL,	's' },
		{ "help",	no_argument,	   NULL,	'h' },
		{ NULL,		0,		NULL,	0 }
	};
	static struct buf	 doc;
	unsigned long long	 count = 10000, seed = 1, v;
	struct rng		 r;
	const char		*dir;
	char			 path[4096], name[32];
	FILE			*list;
	unsigned int		 i;
	int			 c;

	while ((c = getopt_long(argc, argv, "n:s:h", longopts, NULL)) != -1) {
		switch (c) {
		case 'n':
			if (parse_num(optarg, COUNT_MAX, &v) == -1) {
				fprintf(stderr, "%s: bad count: %s\n",
				    progname, optarg);
				return 2;
			}
			count = v;
			break;
		case 's':
			if (parse_num(optarg, UINT64_MAX, &v) == -1) {
				fprintf(stderr, "%s: bad seed: %s\n",
				    progname, optarg);
				return 2;
			}
			seed = v;
			break;
		case 'h':
			usage(stdout);
			return 0;
		default:
			usage(stderr);
			return 2;
		}
	}
	if (argc - optind != 1) {
		usage(stderr);
		return 2;
	}
	dir = argv[optind];
	if (mkdir(dir, 0777) == -1 && errno != EEXIST) {
		fprintf(stderr, "%s: %s: %s\n", progname, dir, strerror(errno));
		return 4;
	}
	if ((size_t)snprintf(path, sizeof(path), "%s/list", dir) >=
	    sizeof(path)) {
		fprintf(stderr, "%s: %s: path too long\n", progname, dir);
		return 2;
	}
	if ((list = fopen(path, "w")) == NULL) {
		fprintf(stderr, "%s: %s: %s\n", progname, path,
		    strerror(errno));
		return 4;
	}
	for (i = 0; i < count; i++) {
		/*
		 * Each document has its own stream, so document i is the
		 * same whatever the count.
		 */
		r.s = mix64(seed ^ mix64((uint64_t)i + 1));
		doc.len = 0;
		doc.full = 0;
		make_doc(&r, &doc, i % 2 == 1);
		if (doc.full) {
			fprintf(stderr, "%s: document %u too large\n",
			    progname, i);
			(void)fclose(list);
			return 4;
		}
		snprintf(name, sizeof(name), "doc-%05u.xml", i);
		snprintf(path, sizeof(path), "%s/%s", dir, name);
		if (write_file(path, doc.p, doc.len) == -1) {
			(void)fclose(list);
			return 4;
		}
		fprintf(list, "%s\n", name);
	}
	if (fclose(list) != 0) {
		fprintf(stderr, "%s: %s/list: %s\n", progname, dir,
		    strerror(errno));
		return 4;
	}
	return 0;
}
