/* SPDX-License-Identifier: BSD-2-Clause */
/* Test helper for siprec-srs: paced G.711 RTP senders and a recording check. */
#define _GNU_SOURCE
#include <arpa/inet.h>
#include <errno.h>
#include <netinet/in.h>
#include <stdint.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <strings.h>
#include <sys/time.h>
#include <sys/socket.h>
#include <sys/uio.h>
#include <time.h>
#include <unistd.h>

#include <srtp2/srtp.h>

/*
 * usage:
 *   srs-rtpsend send HOST PORT IN.ul [SSRC [SEQ [TS]]]
 *	send IN.ul (raw G.711 mu-law, 8 kHz) as PCMU RTP, 160 bytes every
 *	20 ms on an absolute schedule, from an ephemeral port
 *   srs-rtpsend srtp HOST PORT IN.ul KEY
 *	as send, protected with SRTP AES_CM_128_HMAC_SHA1_80 under KEY, the
 *	base64 master key and salt of an SDES inline: parameter (needs
 *	libsrtp2: cc ... $(pkg-config --cflags --libs libsrtp2))
 *   srs-rtpsend pcap OUT.pcap IN.ul [SSRC [SEQ [TS]]]
 *	the same packets as a pcap (127.0.0.1:6000 -> 127.0.0.1:6000) for
 *	SIPp's play_pcap_audio, which sends them to the answered port
 *   srs-rtpsend find REC.wav IN.ul [FROM]
 *	is the decoded IN.ul a contiguous run of the 16-bit PCM samples of
 *	REC.wav at or after sample FROM?  Prints the sample offset; exit 0
 *	found, 1 not found, 2 usage, 4 I/O
 *   srs-rtpsend load HOST PORTS SECONDS [PPS_REPORT]
 *	the benchmark's paced sender: PORTS is a file of destination ports,
 *	one a line; every 20 ms one PCMU packet of a 440 Hz tone goes to each,
 *	each with its own SSRC; prints packets sent and late ticks
 *
 *   srs-rtpsend sip HOST PORT MSG [SECONDS]
 *	send the SIP request in file MSG over UDP, line ends made CRLF and
 *	Content-Length recomputed (a bare multipart body is wrapped in a
 *	SIPREC INVITE); print the final response (LF line ends); for a 2xx
 *	to an INVITE ACK it and end the dialog with a BYE after SECONDS
 *	(default 0).  Exit 0 when a final response came, 1 on timeout (5 s)
 *   srs-rtpsend contains FILE PART
 *	is PART a substring of FILE, carriage returns ignored in both?
 *
 * Deterministic: fixed SSRCs, sequence numbers and timestamps.
 */

static uint8_t *
slurp(const char *path, size_t *n)
{
	FILE *f = fopen(path, "rb");
	uint8_t *p = NULL;
	size_t cap = 0, len = 0, r;

	if (f == NULL)
		return NULL;
	for (;;) {
		if (len == cap) {
			uint8_t *np;

			cap = cap ? 2 * cap : 65536;
			if ((np = realloc(p, cap)) == NULL) {
				free(p);
				fclose(f);
				return NULL;
			}
			p = np;
		}
		if ((r = fread(p + len, 1, cap - len, f)) == 0)
			break;
		len += r;
	}
	fclose(f);
	*n = len;
	return p;
}

static size_t
rtp(uint8_t *b, uint32_t ssrc, uint16_t seq, uint32_t ts, const uint8_t *pl,
    size_t n)
{
	b[0] = 0x80;
	b[1] = 0;
	b[2] = (uint8_t)(seq >> 8);
	b[3] = (uint8_t)seq;
	b[4] = (uint8_t)(ts >> 24);
	b[5] = (uint8_t)(ts >> 16);
	b[6] = (uint8_t)(ts >> 8);
	b[7] = (uint8_t)ts;
	b[8] = (uint8_t)(ssrc >> 24);
	b[9] = (uint8_t)(ssrc >> 16);
	b[10] = (uint8_t)(ssrc >> 8);
	b[11] = (uint8_t)ssrc;
	memcpy(b + 12, pl, n);
	return 12 + n;
}

static void
add_ns(struct timespec *t, long ns)
{
	t->tv_nsec += ns;
	while (t->tv_nsec >= 1000000000L) {
		t->tv_nsec -= 1000000000L;
		t->tv_sec++;
	}
}

static int
dest(const char *host, const char *port, struct sockaddr_in *sa)
{
	memset(sa, 0, sizeof(*sa));
	sa->sin_family = AF_INET;
	sa->sin_port = htons((uint16_t)strtoul(port, NULL, 10));
	return inet_pton(AF_INET, host, &sa->sin_addr) == 1 ? 0 : -1;
}

static int
b64val(int c)
{
	if (c >= 'A' && c <= 'Z')
		return c - 'A';
	if (c >= 'a' && c <= 'z')
		return c - 'a' + 26;
	if (c >= '0' && c <= '9')
		return c - '0' + 52;
	return c == '+' ? 62 : c == '/' ? 63 : -1;
}

static int
cmd_srtp(int argc, char **argv)
{
	struct sockaddr_in sa;
	struct timespec t;
	srtp_policy_t pol;
	srtp_t ctx;
	uint8_t *in, b[300], key[64];
	size_t n, off, k = 0;
	uint32_t acc = 0, ts = 0;
	uint16_t seq = 3000;
	int fd, bits = 0, len;
	const char *c;

	if (argc < 6 || dest(argv[2], argv[3], &sa) != 0)
		return 2;
	for (c = argv[5]; *c != '\0' && *c != '=' && k < sizeof(key); c++) {
		if (b64val(*c) < 0)
			return 2;
		acc = acc << 6 | (uint32_t)b64val(*c);
		if ((bits += 6) >= 8) {
			bits -= 8;
			key[k++] = (uint8_t)(acc >> bits);
		}
	}
	if (k != 30 || (in = slurp(argv[4], &n)) == NULL)
		return 2;
	if (srtp_init() != srtp_err_status_ok)
		return 4;
	memset(&pol, 0, sizeof(pol));
	srtp_crypto_policy_set_aes_cm_128_hmac_sha1_80(&pol.rtp);
	srtp_crypto_policy_set_aes_cm_128_hmac_sha1_80(&pol.rtcp);
	pol.ssrc.type = ssrc_any_outbound;
	pol.key = key;
	pol.window_size = 1024;
	if (srtp_create(&ctx, &pol) != srtp_err_status_ok)
		return 4;
	if ((fd = socket(AF_INET, SOCK_DGRAM, 0)) < 0)
		return 4;
	clock_gettime(CLOCK_MONOTONIC, &t);
	for (off = 0; off + 160 <= n; off += 160) {
		len = (int)rtp(b, 0x33333333, seq++, ts, in + off, 160);
		ts += 160;
		if (srtp_protect(ctx, b, &len) != srtp_err_status_ok)
			return 4;
		clock_nanosleep(CLOCK_MONOTONIC, TIMER_ABSTIME, &t, NULL);
		if (sendto(fd, b, (size_t)len, 0, (struct sockaddr *)&sa,
		    sizeof(sa)) < 0)
			perror("sendto");
		add_ns(&t, 20000000L);
	}
	srtp_dealloc(ctx);
	close(fd);
	free(in);
	return 0;
}

static int
cmd_send(int argc, char **argv)
{
	struct sockaddr_in sa;
	struct timespec t;
	uint8_t *in, b[200];
	size_t n, off;
	uint32_t ssrc = argc > 5 ? (uint32_t)strtoul(argv[5], NULL, 0) :
	    0x11223344;
	uint16_t seq = argc > 6 ? (uint16_t)strtoul(argv[6], NULL, 0) : 1000;
	uint32_t ts = argc > 7 ? (uint32_t)strtoul(argv[7], NULL, 0) : 0;
	int fd;

	if (argc < 5 || dest(argv[2], argv[3], &sa) != 0)
		return 2;
	if ((in = slurp(argv[4], &n)) == NULL)
		return 4;
	if ((fd = socket(AF_INET, SOCK_DGRAM, 0)) < 0)
		return 4;
	clock_gettime(CLOCK_MONOTONIC, &t);
	for (off = 0; off + 160 <= n; off += 160) {
		size_t len = rtp(b, ssrc, seq++, ts, in + off, 160);

		ts += 160;
		clock_nanosleep(CLOCK_MONOTONIC, TIMER_ABSTIME, &t, NULL);
		if (sendto(fd, b, len, 0, (struct sockaddr *)&sa,
		    sizeof(sa)) < 0)
			perror("sendto");
		add_ns(&t, 20000000L);
	}
	close(fd);
	free(in);
	return 0;
}

static void
put32(FILE *f, uint32_t v)
{
	fwrite(&v, 4, 1, f);	/* pcap headers in host order */
}

static uint16_t
csum(const uint8_t *p, size_t n)
{
	uint32_t s = 0;
	size_t i;

	for (i = 0; i + 1 < n; i += 2)
		s += (uint32_t)p[i] << 8 | p[i + 1];
	if (n & 1)
		s += (uint32_t)p[n - 1] << 8;
	while (s >> 16)
		s = (s & 0xffff) + (s >> 16);
	return (uint16_t)~s;
}

static int
cmd_pcap(int argc, char **argv)
{
	uint8_t *in, pkt[300];
	size_t n, off;
	uint32_t ssrc = argc > 4 ? (uint32_t)strtoul(argv[4], NULL, 0) :
	    0x55667788;
	uint16_t seq = argc > 5 ? (uint16_t)strtoul(argv[5], NULL, 0) : 2000;
	uint32_t ts = argc > 6 ? (uint32_t)strtoul(argv[6], NULL, 0) : 0;
	uint32_t usec = 0, sec = 1700000000u;
	FILE *f;

	if (argc < 4)
		return 2;
	if ((in = slurp(argv[3], &n)) == NULL || (f = fopen(argv[2], "wb")) ==
	    NULL)
		return 4;
	put32(f, 0xa1b2c3d4);
	fwrite("\x02\x00\x04\x00", 4, 1, f);
	put32(f, 0);
	put32(f, 0);
	put32(f, 65535);
	put32(f, 1);		/* Ethernet */
	for (off = 0; off + 160 <= n; off += 160) {
		uint8_t *ip = pkt + 14, *udp = ip + 20;
		size_t rl = rtp(udp + 8, ssrc, seq++, ts, in + off, 160);
		size_t len = 14 + 20 + 8 + rl;

		ts += 160;
		memset(pkt, 0, 14);
		pkt[12] = 0x08;
		memset(ip, 0, 20);
		ip[0] = 0x45;
		ip[2] = (uint8_t)((20 + 8 + rl) >> 8);
		ip[3] = (uint8_t)(20 + 8 + rl);
		ip[8] = 64;
		ip[9] = 17;
		ip[12] = 127, ip[15] = 1, ip[16] = 127, ip[19] = 1;
		{
			uint16_t c = csum(ip, 20);

			ip[10] = (uint8_t)(c >> 8);
			ip[11] = (uint8_t)c;
		}
		udp[0] = 0x17, udp[1] = 0x70;	/* 6000 */
		udp[2] = 0x17, udp[3] = 0x70;
		udp[4] = (uint8_t)((8 + rl) >> 8);
		udp[5] = (uint8_t)(8 + rl);
		udp[6] = udp[7] = 0;
		put32(f, sec);
		put32(f, usec);
		put32(f, (uint32_t)len);
		put32(f, (uint32_t)len);
		fwrite(pkt, 1, len, f);
		usec += 20000;
		if (usec >= 1000000) {
			usec -= 1000000;
			sec++;
		}
	}
	free(in);
	return fclose(f) == 0 ? 0 : 4;
}

static int16_t
ulaw(uint8_t u)
{
	int t;

	u = (uint8_t)~u;
	t = ((u & 0x0f) << 3) + 0x84;
	t <<= (u & 0x70) >> 4;
	return (int16_t)((u & 0x80) ? 0x84 - t : t - 0x84);
}

static int
cmd_find(int argc, char **argv)
{
	uint8_t *wav = NULL, *in = NULL;
	size_t wn, n = 0, i, k, ns, from = argc > 4 ?
	    strtoul(argv[4], NULL, 10) : 0;
	const uint8_t *data = NULL;
	size_t dlen = 0, p;
	int16_t *want = NULL;
	int rc = 1;

	if (argc < 4)
		return 2;
	if ((wav = slurp(argv[2], &wn)) == NULL ||
	    (in = slurp(argv[3], &n)) == NULL) {
		rc = 4;
		goto out;
	}
	for (p = 12; p + 8 <= wn; ) {
		uint32_t cl = (uint32_t)wav[p + 4] | (uint32_t)wav[p + 5] << 8 |
		    (uint32_t)wav[p + 6] << 16 | (uint32_t)wav[p + 7] << 24;

		if (memcmp(wav + p, "data", 4) == 0) {
			data = wav + p + 8;
			dlen = cl <= wn - p - 8 ? cl : wn - p - 8;
			break;
		}
		p += 8 + cl + (cl & 1);
	}
	if (data == NULL || n == 0)
		goto out;
	ns = dlen / 2;
	if ((want = malloc(n * sizeof(*want))) == NULL) {
		rc = 4;
		goto out;
	}
	for (i = 0; i < n; i++)
		want[i] = ulaw(in[i]);
	for (i = from; i + n <= ns; i++) {
		for (k = 0; k < n; k++) {
			int16_t s = (int16_t)(data[2 * (i + k)] |
			    data[2 * (i + k) + 1] << 8);

			if (s != want[k])
				break;
		}
		if (k == n) {
			printf("%zu\n", i);
			rc = 0;
			break;
		}
	}
out:
	free(want);
	free(in);
	free(wav);
	return rc;
}

static int
cmd_load(int argc, char **argv)
{
	struct sockaddr_in sa;
	struct timespec t, now;
	uint8_t tone[160], *bufs;
	struct sockaddr_in *sas;
	struct iovec *iov;
	struct mmsghdr *mm;
	uint16_t *ports = NULL;
	size_t np = 0, cap = 0, i;
	unsigned long ticks, tick, late = 0, sent = 0, errs = 0;
	FILE *f;
	char line[64];
	int fd;

	if (argc < 5 || dest(argv[2], "0", &sa) != 0)
		return 2;
	if ((f = fopen(argv[3], "r")) == NULL)
		return 4;
	while (fgets(line, sizeof(line), f) != NULL) {
		if (np == cap) {
			cap = cap ? 2 * cap : 1024;
			ports = realloc(ports, cap * sizeof(*ports));
			if (ports == NULL)
				return 4;
		}
		ports[np++] = (uint16_t)strtoul(line, NULL, 10);
	}
	fclose(f);
	ticks = strtoul(argv[4], NULL, 10) * 50;
	for (i = 0; i < 160; i++) {
		/* 440 Hz, a period of 8000/440 samples, as mu-law bytes. */
		static const uint8_t q[] = { 0xff, 0xa5, 0x9a, 0x93, 0x8f,
		    0x8d, 0x8f, 0x93, 0x9a, 0xa5, 0x7f, 0x25, 0x1a, 0x13,
		    0x0f, 0x0d, 0x0f, 0x13 };

		tone[i] = q[i % sizeof(q)];
	}
	if ((fd = socket(AF_INET, SOCK_DGRAM, 0)) < 0)
		return 4;
	{
		int sz = 4 << 20;

		(void)setsockopt(fd, SOL_SOCKET, SO_SNDBUF, &sz, sizeof(sz));
	}
	/* One sendmmsg per BATCH packets: the pacing holds at 250k pps. */
	bufs = malloc(np * 172);
	sas = malloc(np * sizeof(*sas));
	iov = malloc(np * sizeof(*iov));
	mm = malloc(np * sizeof(*mm));
	if (bufs == NULL || sas == NULL || iov == NULL || mm == NULL)
		return 4;
	for (i = 0; i < np; i++) {
		sas[i] = sa;
		sas[i].sin_port = htons(ports[i]);
		iov[i].iov_base = bufs + i * 172;
		iov[i].iov_len = 172;
		memset(&mm[i], 0, sizeof(mm[i]));
		mm[i].msg_hdr.msg_name = &sas[i];
		mm[i].msg_hdr.msg_namelen = sizeof(sas[i]);
		mm[i].msg_hdr.msg_iov = &iov[i];
		mm[i].msg_hdr.msg_iovlen = 1;
	}
	clock_gettime(CLOCK_MONOTONIC, &t);
	for (tick = 0; tick < ticks; tick++) {
		clock_nanosleep(CLOCK_MONOTONIC, TIMER_ABSTIME, &t, NULL);
		for (i = 0; i < np; i++)
			(void)rtp(bufs + i * 172, 0x10000000u + (uint32_t)i,
			    (uint16_t)tick, (uint32_t)tick * 160, tone, 160);
		for (i = 0; i < np; ) {
			int r = sendmmsg(fd, mm + i, (unsigned int)(np - i < 64 ?
			    np - i : 64), 0);

			if (r <= 0) {
				errs++;
				i++;
				continue;
			}
			sent += (unsigned long)r;
			i += (size_t)r;
		}
		add_ns(&t, 20000000L);
		clock_gettime(CLOCK_MONOTONIC, &now);
		if (now.tv_sec > t.tv_sec || (now.tv_sec == t.tv_sec &&
		    now.tv_nsec > t.tv_nsec))
			late++;
	}
	printf("sent %lu errors %lu late_ticks %lu streams %zu\n", sent, errs,
	    late, np);
	free(ports);
	free(bufs);
	free(sas);
	free(iov);
	free(mm);
	close(fd);
	return 0;
}

/* Bytes of p without CR, NUL-terminated. */
static char *
nocr(const uint8_t *p, size_t n)
{
	char *o = malloc(n + 1);
	size_t i, k = 0;

	if (o == NULL)
		return NULL;
	for (i = 0; i < n; i++)
		if (p[i] != '\r' && p[i] != '\0')
			o[k++] = (char)p[i];
	o[k] = '\0';
	return o;
}

static int
cmd_contains(int argc, char **argv)
{
	uint8_t *a, *b;
	size_t an, bn;
	char *x, *y;
	int r;

	if (argc < 4)
		return 2;
	if ((a = slurp(argv[2], &an)) == NULL || (b = slurp(argv[3], &bn)) ==
	    NULL)
		return 4;
	x = nocr(a, an);
	y = nocr(b, bn);
	r = x != NULL && y != NULL && y[0] != '\0' && strstr(x, y) != NULL ?
	    0 : 1;
	free(a);
	free(b);
	free(x);
	free(y);
	return r;
}

/* The value of header name (full or compact) in message m, into out. */
static int
header(const char *m, const char *name, char compact, char *out, size_t cap)
{
	const char *l = m;
	size_t nl = strlen(name);

	while (l != NULL && *l != '\0' && *l != '\r') {
		const char *e = strstr(l, "\r\n"), *v = NULL;

		if (strncasecmp(l, name, nl) == 0 && (l[nl] == ':' ||
		    l[nl] == ' '))
			v = l + nl;
		else if (compact && (l[0] == compact ||
		    l[0] == compact - 32) && (l[1] == ':' || l[1] == ' '))
			v = l + 1;
		if (v != NULL) {
			while (*v == ' ' || *v == ':' || *v == '\t')
				v++;
			snprintf(out, cap, "%.*s", (int)(e ? e - v :
			    (long)strlen(v)), v);
			return 0;
		}
		l = e ? e + 2 : NULL;
	}
	return -1;
}

/* cmd_sip()'s buffers, freed at exit whichever way it returns. */
static void *sip_bufs[3];

static void
free_sip_bufs(void)
{
	size_t i;

	for (i = 0; i < sizeof(sip_bufs) / sizeof(sip_bufs[0]); i++)
		free(sip_bufs[i]);
}

static int
cmd_sip(int argc, char **argv)
{
	struct sockaddr_in sa, me;
	socklen_t ml = sizeof(me);
	uint8_t *raw;
	size_t n, i, hl;
	char *msg, *body, *out, buf[65536], via[512], from[512], to[512],
	    cid[512], cseq[64], req[600], line[1200];
	struct timeval tv = { 5, 0 };
	int fd, len, code = 0;
	unsigned long seq;

	if (argc < 5 || dest(argv[2], argv[3], &sa) != 0)
		return 2;
	(void)atexit(free_sip_bufs);
	if ((raw = slurp(argv[4], &n)) == NULL)
		return 4;
	sip_bufs[0] = raw;
	/* CRLF restored; leading blank lines dropped. */
	if ((msg = malloc(2 * n + 8)) == NULL)
		return 4;
	sip_bufs[1] = msg;
	for (i = 0, hl = 0; i < n; i++) {
		if (raw[i] == '\r')
			continue;
		if (raw[i] == '\n') {
			if (hl == 0)
				continue;
			msg[hl++] = '\r';
		}
		msg[hl++] = (char)raw[i];
	}
	msg[hl] = '\0';
	if (hl > 2 && msg[0] == '-' && msg[1] == '-') {
		/* A bare multipart body: wrap it in a SIPREC INVITE. */
		char *w, bnd[200];
		size_t bl = strcspn(msg + 2, "\r");

		while (bl > 0 && msg[2 + bl - 1] == ' ')
			bl--;
		snprintf(bnd, sizeof(bnd), "%.*s", (int)bl, msg + 2);
		if (asprintf(&w, "INVITE sip:srs@%s:%s SIP/2.0\r\n"
		    "Via: SIP/2.0/UDP 127.0.0.1;branch=z9hG4bK-srs-%ld\r\n"
		    "From: <sip:src@127.0.0.1>;tag=src-%ld\r\n"
		    "To: <sip:srs@%s>\r\nCall-ID: srs-corpus-%ld@127.0.0.1\r\n"
		    "CSeq: 1 INVITE\r\nMax-Forwards: 70\r\n"
		    "Contact: <sip:src@127.0.0.1>;+sip.src\r\n"
		    "Require: siprec\r\n"
		    "Content-Type: multipart/mixed;boundary=\"%s\"\r\n\r\n%s",
		    argv[2], argv[3], (long)getpid(), (long)getpid(), argv[2],
		    (long)getpid(), bnd, msg) < 0)
			return 4;
		free(msg);
		sip_bufs[1] = msg = w;
		hl = strlen(msg);
	}
	body = strstr(msg, "\r\n\r\n");
	if (body == NULL)
		return 2;
	body += 4;
	if ((out = malloc(hl + 64)) == NULL)
		return 4;
	sip_bufs[2] = out;
	/* Headers without Content-Length, then the right one. */
	{
		const char *l = msg;
		size_t o = 0;

		while (l < body - 2) {
			const char *e = strstr(l, "\r\n");

			if (!(strncasecmp(l, "Content-Length", 14) == 0 ||
			    ((l[0] == 'l' || l[0] == 'L') && (l[1] == ':' ||
			    l[1] == ' '))))
				o += (size_t)sprintf(out + o, "%.*s\r\n",
				    (int)(e - l), l);
			l = e + 2;
		}
		o += (size_t)sprintf(out + o, "Content-Length: %zu\r\n\r\n",
		    strlen(body));
		memcpy(out + o, body, strlen(body));
		o += strlen(body);
		len = (int)o;
	}
	if ((fd = socket(AF_INET, SOCK_DGRAM, 0)) < 0)
		return 4;
	memset(&me, 0, sizeof(me));
	me.sin_family = AF_INET;
	me.sin_addr.s_addr = htonl(INADDR_LOOPBACK);
	(void)bind(fd, (struct sockaddr *)&me, sizeof(me));
	(void)getsockname(fd, (struct sockaddr *)&me, &ml);
	(void)setsockopt(fd, SOL_SOCKET, SO_RCVTIMEO, &tv, sizeof(tv));
	if (sendto(fd, out, (size_t)len, 0, (struct sockaddr *)&sa,
	    sizeof(sa)) < 0)
		return 4;
	for (;;) {
		ssize_t r = recv(fd, buf, sizeof(buf) - 1, 0);

		if (r <= 0) {
			printf("timeout\n");
			fflush(stdout);
			return 1;
		}
		buf[r] = '\0';
		code = atoi(buf + 8);
		if (code >= 200)
			break;
	}
	/* The whole response, line ends made LF. */
	for (i = 0; buf[i] != '\0'; i++)
		if (buf[i] != '\r')
			putchar(buf[i]);
	fflush(stdout);
	if (code >= 300 || strncmp(msg, "INVITE ", 7) != 0)
		return 0;
	/* ACK and BYE from the 2xx (the request's Via is reused). */
	if (header(buf, "Via", 'v', via, sizeof(via)) || header(buf, "From",
	    'f', from, sizeof(from)) || header(buf, "To", 't', to,
	    sizeof(to)) || header(buf, "Call-ID", 'i', cid, sizeof(cid)) ||
	    header(buf, "CSeq", 0, cseq, sizeof(cseq)))
		return 1;
	seq = strtoul(cseq, NULL, 10);
	snprintf(req, sizeof(req), "sip:srs@%s:%s", argv[2], argv[3]);
	for (i = 0; i < 2; i++) {
		if (i == 1 && argc > 5)
			usleep((useconds_t)(atof(argv[5]) * 1e6));
		len = snprintf(line, sizeof(line), "%s %s SIP/2.0\r\n"
		    "Via: SIP/2.0/UDP 127.0.0.1:%u;branch=z9hG4bK-srs-%lu\r\n"
		    "From: %s\r\nTo: %s\r\nCall-ID: %s\r\nCSeq: %lu %s\r\n"
		    "Max-Forwards: 70\r\nContent-Length: 0\r\n\r\n",
		    i ? "BYE" : "ACK", req, ntohs(me.sin_port), seq + i, from,
		    to, cid, seq + i, i ? "BYE" : "ACK");
		if (sendto(fd, line, (size_t)len, 0, (struct sockaddr *)&sa,
		    sizeof(sa)) < 0)
			return 4;
		(void)via;
	}
	if (recv(fd, buf, sizeof(buf) - 1, 0) <= 0)
		return 1;
	close(fd);
	return 0;		/* the buffers go at exit (free_sip_bufs) */
}

int
main(int argc, char **argv)
{
	if (argc >= 2 && strcmp(argv[1], "sip") == 0)
		return cmd_sip(argc, argv);
	if (argc >= 2 && strcmp(argv[1], "contains") == 0)
		return cmd_contains(argc, argv);
	if (argc >= 2 && strcmp(argv[1], "send") == 0)
		return cmd_send(argc, argv);
	if (argc >= 2 && strcmp(argv[1], "srtp") == 0)
		return cmd_srtp(argc, argv);
	if (argc >= 2 && strcmp(argv[1], "pcap") == 0)
		return cmd_pcap(argc, argv);
	if (argc >= 2 && strcmp(argv[1], "find") == 0)
		return cmd_find(argc, argv);
	if (argc >= 2 && strcmp(argv[1], "load") == 0)
		return cmd_load(argc, argv);
	fprintf(stderr, "usage: srs-rtpsend send|pcap|find|load ...\n");
	return 2;
}
