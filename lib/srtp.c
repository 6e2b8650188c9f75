/* SPDX-License-Identifier: BSD-2-Clause */
/* SDES crypto attributes, SRTP/SRTCP decryption over libsrtp2, key files. */
#include <arpa/inet.h>
#include <errno.h>
#include <pthread.h>
#include <stdarg.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <strings.h>

#include <srtp2/srtp.h>
#include <srtp2/crypto_types.h>

#include <siprec/media.h>
#include <siprec/srtp.h>
#include "srtp_int.h"

/*
 * Design note: rollover when a capture starts late (SPEC T-21).
 *
 * The SRTP index is 2^16 * ROC + SEQ (RFC 3711 3.3.1) and the ROC is not
 * sent.  libsrtp2 takes the first packet of an SSRC it has no stream for
 * through the ssrc_any_inbound template with ROC 0, and only makes a
 * stream for that SSRC once a packet authenticates.  A capture that
 * begins after the sender's sequence number wrapped therefore fails
 * authentication for every packet, since the ROC is part of the
 * authenticated data (and of the GCM nonce).
 *
 * So when an RTP packet fails authentication and no RTP packet of its
 * SSRC has passed yet, a throw-away session with a stream for exactly
 * that SSRC is made and srtp_set_stream_roc() sets a pending ROC of 1,
 * 2, then 3; with a pending ROC libsrtp2 2.5 computes the first index as
 * (ROC << 16) | SEQ instead of guessing.  A wrong ROC cannot pass the
 * HMAC or GCM tag, so the first that authenticates is the sender's.  The
 * main session then gets a stream of its own for the SSRC (or keeps the
 * one an SRTCP packet already made, whose RTP state is still untouched),
 * with the same pending ROC, and decrypts the packet for real; from there
 * libsrtp2 tracks the ROC itself.  srtp_set_stream_roc() needs an
 * existing stream, which is why the SSRC-specific stream is added first.
 * Without authentication (UNAUTHENTICATED_SRTP) nothing can be searched.
 * Searches are capped per context so that a wrong key stays cheap.
 */

#define ATTR_MAX	1024	/* characters in one attribute or key line */
#define B64_MAX		64	/* base64 characters of one key */
#define KEYS_MAX	65536	/* entries in one key file */
#define WINDOW		4096	/* replay window: ~80 s of 20 ms packets */
#define ROC_TRIES	3	/* ROC candidates after 0 */
#define SEARCH_MAX	32	/* ROC searches per context */
#define SEEN_MAX	16	/* SSRCs remembered as authenticated */
#define BUF_MIN		2048

struct suite {
	const char	*name;
	size_t		 keylen;	/* master key + master salt */
	void		(*rtp)(srtp_crypto_policy_t *);
	void		(*rtcp)(srtp_crypto_policy_t *);
	int		 aead;
};

/*
 * RFC 4568 6.2, RFC 6188, RFC 7714.  SRTCP always carries an 80-bit tag,
 * the _32 suites included (RFC 4568 6.2.2).  F8 is a registered suite
 * that libsrtp2 does not implement.
 */
static const struct suite suites[] = {
	{ "AES_CM_128_HMAC_SHA1_80", 30,
	    srtp_crypto_policy_set_rtp_default,
	    srtp_crypto_policy_set_rtcp_default, 0 },
	{ "AES_CM_128_HMAC_SHA1_32", 30,
	    srtp_crypto_policy_set_aes_cm_128_hmac_sha1_32,
	    srtp_crypto_policy_set_rtcp_default, 0 },
	{ "AES_192_CM_HMAC_SHA1_80", 38,
	    srtp_crypto_policy_set_aes_cm_192_hmac_sha1_80,
	    srtp_crypto_policy_set_aes_cm_192_hmac_sha1_80, 0 },
	{ "AES_192_CM_HMAC_SHA1_32", 38,
	    srtp_crypto_policy_set_aes_cm_192_hmac_sha1_32,
	    srtp_crypto_policy_set_aes_cm_192_hmac_sha1_80, 0 },
	{ "AES_256_CM_HMAC_SHA1_80", 46,
	    srtp_crypto_policy_set_aes_cm_256_hmac_sha1_80,
	    srtp_crypto_policy_set_aes_cm_256_hmac_sha1_80, 0 },
	{ "AES_256_CM_HMAC_SHA1_32", 46,
	    srtp_crypto_policy_set_aes_cm_256_hmac_sha1_32,
	    srtp_crypto_policy_set_aes_cm_256_hmac_sha1_80, 0 },
	{ "AEAD_AES_128_GCM", 28,
	    srtp_crypto_policy_set_aes_gcm_128_16_auth,
	    srtp_crypto_policy_set_aes_gcm_128_16_auth, 1 },
	{ "AEAD_AES_256_GCM", 44,
	    srtp_crypto_policy_set_aes_gcm_256_16_auth,
	    srtp_crypto_policy_set_aes_gcm_256_16_auth, 1 },
	{ "F8_128_HMAC_SHA1_80", 30, NULL, NULL, 0 },
};

struct siprec_srtp {
	srtp_t			 session;
	const struct suite	*su;
	struct siprec_crypto	 c;		/* own copy; wiped on free */
	srtp_master_key_t	 mk;		/* points into c, for MKI */
	srtp_master_key_t	*mkv[1];
	uint8_t			*buf;		/* aligned working copy */
	size_t			 bufsz;
	uint32_t		 seen[SEEN_MAX];	/* SSRCs with RTP passed */
	unsigned int		 nseen;
	unsigned int		 searches;
	struct siprec_srtp_stats st;
};

struct kr_entry {
	int			 by_ssrc;
	uint32_t		 ssrc;
	struct siprec_addr	 dst;
	unsigned int		 line;
	struct siprec_crypto	 c;
};

struct siprec_keyring {
	struct kr_entry		*v;
	size_t			 n, cap;
};

/* --- libsrtp2 initialisation -------------------------------------------- */

static pthread_once_t srtp_once = PTHREAD_ONCE_INIT;
static srtp_err_status_t srtp_init_status = srtp_err_status_init_fail;

/* The library never prints: libsrtp2's reports go nowhere. */
static void
quiet(srtp_log_level_t level, const char *msg, void *data)
{
	(void)level;
	(void)msg;
	(void)data;
}

/*
 * srtp_init() is not idempotent: when the program has already called it,
 * the second call fails with bad_param while registering its debug module
 * again, and the library is ready all the same.
 */
static void
init_once(void)
{
	srtp_install_log_handler(quiet, NULL);
	srtp_init_status = srtp_init();
	if (srtp_init_status == srtp_err_status_bad_param)
		srtp_init_status = srtp_err_status_ok;
}

int
siprec__srtp_init(void)
{
	if (pthread_once(&srtp_once, init_once) != 0)
		return -1;
	return srtp_init_status == srtp_err_status_ok ? 0 :
	    (int)srtp_init_status;
}

/* --- parsing helpers ---------------------------------------------------- */

struct pctx {
	const char		*text;	/* columns count from here */
	struct siprec_diag	*diag;
	unsigned int		 line;	/* 0 for a single attribute */
	const char		*where;	/* "path:line: " or "" */
};

static enum siprec_err	perr(const struct pctx *, const char *,
			    enum siprec_err, const char *, ...)
			    __attribute__((format(printf, 4, 5)));

static enum siprec_err
perr(const struct pctx *pc, const char *at, enum siprec_err e,
    const char *fmt, ...)
{
	char msg[200];
	va_list ap;

	if (pc->diag == NULL)
		return e;
	va_start(ap, fmt);
	vsnprintf(msg, sizeof(msg), fmt, ap);
	va_end(ap);
	siprec_diag_set(pc->diag, pc->line, (unsigned int)(at - pc->text) + 1,
	    "%s%s", pc->where, msg);
	return e;
}

static int
iswsp(int c)
{
	return c == ' ' || c == '\t';
}

static int
isdig(int c)
{
	return c >= '0' && c <= '9';
}

/* The next white-space separated token of [*p, end); empty at the end. */
static const char *
token(const char **p, const char *end, size_t *len)
{
	const char *s = *p, *t;

	while (s < end && iswsp((unsigned char)*s))
		s++;
	t = s;
	while (s < end && !iswsp((unsigned char)*s))
		s++;
	*len = (size_t)(s - t);
	*p = s;
	return t;
}

/* s[0..n) equals the literal lit, ignoring case. */
static int
eqcase(const char *s, size_t n, const char *lit)
{
	return strlen(lit) == n && strncasecmp(s, lit, n) == 0;
}

/* s[0..n) starts with lit, ignoring case. */
static int
precase(const char *s, size_t n, const char *lit)
{
	size_t l = strlen(lit);

	return n >= l && strncasecmp(s, lit, l) == 0;
}

/* Decimal s[0..n) of 1..maxdig (at most 19) digits into *v. */
static int
decnum(const char *s, size_t n, size_t maxdig, uint64_t *v)
{
	size_t i;

	if (n == 0 || n > maxdig)
		return -1;
	*v = 0;
	for (i = 0; i < n; i++) {
		if (!isdig((unsigned char)s[i]))
			return -1;
		*v = *v * 10 + (uint64_t)(s[i] - '0');
	}
	return 0;
}

static const struct suite *
suite_find(const char *s, size_t n)
{
	size_t i;

	for (i = 0; i < sizeof(suites) / sizeof(suites[0]); i++)
		if (eqcase(s, n, suites[i].name))
			return &suites[i];
	return NULL;
}

static int
hexval(int c)
{
	if (isdig(c))
		return c - '0';
	if (c >= 'a' && c <= 'f')
		return c - 'a' + 10;
	if (c >= 'A' && c <= 'F')
		return c - 'A' + 10;
	return -1;
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
	if (c == '+')
		return 62;
	if (c == '/')
		return 63;
	return -1;
}

/*
 * Base64 (RFC 4648 4) of s[0..n) into out[0..cap); trailing '=' padding
 * is optional, as senders differ.  Returns the length, or -1 with *bad
 * set to the offset of the first character in error.
 */
static long
b64dec(const char *s, size_t n, uint8_t *out, size_t cap, size_t *bad)
{
	uint32_t acc = 0;
	size_t i, m = n, o = 0;
	int bits = 0, v;

	while (m > 0 && n - m < 2 && s[m - 1] == '=')
		m--;
	if (m < n && n % 4 != 0) {
		*bad = n - 1;
		return -1;
	}
	if (m % 4 == 1) {
		*bad = m - 1;
		return -1;
	}
	for (i = 0; i < m; i++) {
		if ((v = b64val((unsigned char)s[i])) < 0) {
			*bad = i;
			acc = 0;
			return -1;
		}
		acc = (acc << 6 | (uint32_t)v) & 0xffffff;
		bits += 6;
		if (bits >= 8) {
			bits -= 8;
			if (o == cap) {
				*bad = i;
				acc = 0;
				return -1;
			}
			out[o++] = (uint8_t)(acc >> bits);
		}
	}
	explicit_bzero(&acc, sizeof(acc));
	return (long)o;
}

/* Lifetime (RFC 4568 6.1): decimal or 2^n, at most RFC 3711's 2^48. */
static int
lifetime_ok(const char *s, size_t n)
{
	uint64_t v;

	if (n > 2 && s[0] == '2' && s[1] == '^')
		return decnum(s + 2, n - 2, 2, &v) == 0 && v >= 1 && v <= 48;
	return decnum(s, n, 15, &v) == 0 && v >= 1 &&
	    v <= (uint64_t)1 << 48;
}

/* "MKI:length" (RFC 4568 6.1): the value in length (1..128) bytes. */
static enum siprec_err
parse_mki(const struct pctx *pc, const char *s, size_t n,
    struct siprec_crypto *out)
{
	const char *colon = memchr(s, ':', n);
	uint64_t v, len;
	size_t vn, i;

	vn = (size_t)(colon - s);
	if (vn == 0 || strspn(s, "0123456789") < vn)
		return perr(pc, s, SIPREC_EPARSE, "bad MKI value \"%.*s\"",
		    (int)vn, s);
	if (decnum(s, vn, 19, &v) != 0)
		return perr(pc, s, SIPREC_EUNSUPP,
		    "MKI values of more than 19 digits are not supported");
	if (decnum(colon + 1, n - vn - 1, 3, &len) != 0 || len < 1 ||
	    len > SIPREC_SRTP_MKI_MAX)
		return perr(pc, colon + 1, SIPREC_EPARSE,
		    "MKI length must be 1 to %d bytes", SIPREC_SRTP_MKI_MAX);
	if (len < 8 && (v >> (8 * len)) != 0)
		return perr(pc, s, SIPREC_EPARSE,
		    "MKI value %llu does not fit in %u bytes",
		    (unsigned long long)v, (unsigned int)len);
	out->mki_len = (unsigned int)len;
	memset(out->mki, 0, sizeof(out->mki));
	for (i = 0; i < len && i < 8; i++)
		out->mki[len - 1 - i] = (uint8_t)(v >> (8 * i));
	return SIPREC_OK;
}

/* "inline:<key||salt>[|lifetime][|MKI:length]" (RFC 4568 6.1, 9.1). */
static enum siprec_err
parse_key(const struct pctx *pc, const char *s, size_t n,
    const struct suite *su, struct siprec_crypto *out)
{
	uint8_t tmp[B64_MAX / 4 * 3];
	const char *p, *end = s + n, *f;
	size_t fn, bad = 0;
	long got;
	int lifetime = 0;
	enum siprec_err e;

	if (memchr(s, ';', n) != NULL)
		return perr(pc, memchr(s, ';', n), SIPREC_EUNSUPP,
		    "several keys in one attribute are not supported");
	if (!precase(s, n, "inline:"))
		return perr(pc, s, SIPREC_EPARSE,
		    "key parameters must start with \"inline:\"");
	p = s + 7;
	f = p;
	while (p < end && *p != '|')
		p++;
	fn = (size_t)(p - f);
	if (fn == 0)
		return perr(pc, f, SIPREC_EPARSE, "empty key");
	if (fn > B64_MAX)
		return perr(pc, f, SIPREC_EPARSE,
		    "key of %zu base64 characters is too long for %s", fn,
		    su->name);
	got = b64dec(f, fn, tmp, sizeof(tmp), &bad);
	if (got < 0) {
		explicit_bzero(tmp, sizeof(tmp));
		return perr(pc, f + bad, SIPREC_EPARSE, "bad base64 in key");
	}
	if ((size_t)got != su->keylen) {
		explicit_bzero(tmp, sizeof(tmp));
		return perr(pc, f, SIPREC_EPARSE,
		    "%s needs %zu bytes of key and salt, the key has %ld",
		    su->name, su->keylen, got);
	}
	memcpy(out->key, tmp, (size_t)got);
	out->keylen = (size_t)got;
	explicit_bzero(tmp, sizeof(tmp));

	while (p < end) {
		f = ++p;
		while (p < end && *p != '|')
			p++;
		fn = (size_t)(p - f);
		if (fn == 0)
			return perr(pc, f, SIPREC_EPARSE,
			    "empty field after '|'");
		if (out->mki_len != 0)
			return perr(pc, f, SIPREC_EPARSE,
			    "nothing may follow the MKI");
		if (memchr(f, ':', fn) != NULL) {
			if ((e = parse_mki(pc, f, fn, out)) != SIPREC_OK)
				return e;
		} else if (lifetime)
			return perr(pc, f, SIPREC_EPARSE, "a second lifetime");
		else if (!lifetime_ok(f, fn))
			return perr(pc, f, SIPREC_EPARSE,
			    "bad key lifetime \"%.*s\"", (int)fn, f);
		else
			lifetime = 1;
	}
	return SIPREC_OK;
}

/* One session parameter (RFC 4568 6.3); flags set in out. */
static enum siprec_err
parse_param(const struct pctx *pc, const char *s, size_t n,
    struct siprec_crypto *out)
{
	uint64_t v;

	if (eqcase(s, n, "UNENCRYPTED_SRTP"))
		out->unencrypted_srtp = 1;
	else if (eqcase(s, n, "UNENCRYPTED_SRTCP"))
		out->unencrypted_srtcp = 1;
	else if (eqcase(s, n, "UNAUTHENTICATED_SRTP"))
		out->unauthenticated_srtp = 1;
	else if (precase(s, n, "KDR=")) {
		if (decnum(s + 4, n - 4, 2, &v) != 0 || v < 1 || v > 24)
			return perr(pc, s, SIPREC_EPARSE,
			    "KDR must be 1 to 24");
		/* 6.3.1; libsrtp2 derives session keys once (KDR 0). */
		return perr(pc, s, SIPREC_EUNSUPP,
		    "a key derivation rate (KDR) is not supported");
	} else if (precase(s, n, "FEC_ORDER=")) {
		if (!eqcase(s + 10, n - 10, "FEC_SRTP") &&
		    !eqcase(s + 10, n - 10, "SRTP_FEC"))
			return perr(pc, s, SIPREC_EPARSE,
			    "FEC_ORDER must be FEC_SRTP or SRTP_FEC");
	} else if (precase(s, n, "FEC_KEY=")) {
		if (!precase(s + 8, n - 8, "inline:") || n - 8 == 7)
			return perr(pc, s, SIPREC_EPARSE,
			    "FEC_KEY needs inline: key parameters");
	} else if (precase(s, n, "WSH=")) {
		/* A hint (6.3.6); the window here is WINDOW regardless. */
		if (decnum(s + 4, n - 4, 9, &v) != 0 || v < 64)
			return perr(pc, s, SIPREC_EPARSE,
			    "WSH must be a number of at least 64");
	} else if (s[0] != '-')
		return perr(pc, s, SIPREC_EPARSE,
		    "unknown session parameter \"%.*s\"", (int)n, s);
	/* Unknown parameters starting with '-' may be ignored (6.3.7). */
	return SIPREC_OK;
}

/* "<suite> <key-params> [<session-param>...]" from [p, end). */
static enum siprec_err
parse_body(const struct pctx *pc, const char *p, const char *end,
    struct siprec_crypto *out)
{
	const struct suite *su;
	const char *t;
	size_t n, i;
	enum siprec_err e;

	t = token(&p, end, &n);
	if (n == 0)
		return perr(pc, t, SIPREC_EPARSE, "no crypto suite");
	for (i = 0; i < n; i++)
		if (!(isdig((unsigned char)t[i]) || t[i] == '_' ||
		    (t[i] >= 'A' && t[i] <= 'Z') ||
		    (t[i] >= 'a' && t[i] <= 'z')))
			return perr(pc, t + i, SIPREC_EPARSE,
			    "bad character in crypto suite");
	if ((su = suite_find(t, n)) == NULL)
		return perr(pc, t, SIPREC_EUNSUPP,
		    "unknown crypto suite \"%.*s\"", (int)n, t);
	if (su->rtp == NULL)
		return perr(pc, t, SIPREC_EUNSUPP,
		    "%s is not supported by libsrtp2", su->name);
	snprintf(out->suite, sizeof(out->suite), "%s", su->name);

	t = token(&p, end, &n);
	if (n == 0)
		return perr(pc, t, SIPREC_EPARSE, "no key parameters");
	if ((e = parse_key(pc, t, n, su, out)) != SIPREC_OK)
		return e;

	for (;;) {
		t = token(&p, end, &n);
		if (n == 0)
			break;
		if ((e = parse_param(pc, t, n, out)) != SIPREC_OK)
			return e;
	}
	return SIPREC_OK;
}

/* --- crypto attributes -------------------------------------------------- */

void
siprec_crypto_wipe(struct siprec_crypto *c)
{
	if (c != NULL)
		explicit_bzero(c, sizeof(*c));
}

enum siprec_err
siprec_crypto_parse(const char *attr, struct siprec_crypto *out,
    struct siprec_diag *diag)
{
	struct pctx pc;
	const char *p, *end, *t;
	uint64_t tag;
	size_t n;
	enum siprec_err e;

	if (out == NULL)
		return SIPREC_EINVAL;
	siprec_crypto_wipe(out);
	if (attr == NULL) {
		siprec_diag_set(diag, 0, 0, "no crypto attribute");
		return SIPREC_EINVAL;
	}
	pc.text = attr;
	pc.diag = diag;
	pc.line = 0;
	pc.where = "";
	n = strnlen(attr, ATTR_MAX + 1);
	if (n > ATTR_MAX)
		return perr(&pc, attr, SIPREC_ETOOBIG,
		    "crypto attribute longer than %d characters", ATTR_MAX);
	end = attr + n;
	while (end > attr && (iswsp((unsigned char)end[-1]) ||
	    end[-1] == '\r' || end[-1] == '\n'))
		end--;

	/* RFC 4568 9.1: tag = 1*9DIGIT; SPEC 8: no leading zeros. */
	p = attr;
	t = token(&p, end, &n);
	if (n == 0)
		e = perr(&pc, t, SIPREC_EPARSE, "empty crypto attribute");
	else if (t != attr || decnum(t, n, 9, &tag) != 0 ||
	    (n > 1 && t[0] == '0'))
		e = perr(&pc, t, SIPREC_EPARSE,
		    "the tag must be 1 to 9 digits without leading zeros");
	else {
		out->tag = (unsigned int)tag;
		e = parse_body(&pc, p, end, out);
	}
	if (e != SIPREC_OK)
		siprec_crypto_wipe(out);
	return e;
}

/* --- the receive context ------------------------------------------------ */

static void
policy_init(struct siprec_srtp *s, srtp_policy_t *p, int specific,
    uint32_t ssrc)
{
	memset(p, 0, sizeof(*p));
	s->su->rtp(&p->rtp);
	s->su->rtcp(&p->rtcp);
	/* RFC 4568 6.3.2 and 6.3.3; keys are derived as usual. */
	if (s->c.unencrypted_srtp)
		p->rtp.sec_serv = sec_serv_auth;
	if (s->c.unauthenticated_srtp) {
		p->rtp.auth_type = SRTP_NULL_AUTH;
		p->rtp.auth_key_len = 0;
		p->rtp.auth_tag_len = 0;
		p->rtp.sec_serv = s->c.unencrypted_srtp ? sec_serv_none :
		    sec_serv_conf;
	}
	if (s->c.unencrypted_srtcp)
		p->rtcp.sec_serv = sec_serv_auth;
	if (specific) {
		p->ssrc.type = ssrc_specific;
		p->ssrc.value = ssrc;
	} else
		p->ssrc.type = ssrc_any_inbound;
	p->window_size = WINDOW;
	if (s->c.mki_len != 0) {
		s->mk.key = s->c.key;
		s->mk.mki_id = s->c.mki;
		s->mk.mki_size = s->c.mki_len;
		s->mkv[0] = &s->mk;
		p->keys = s->mkv;
		p->num_master_keys = 1;
	} else
		p->key = s->c.key;
	p->next = NULL;
}

enum siprec_err
siprec_srtp_new(const struct siprec_crypto *c, struct siprec_srtp **out,
    struct siprec_diag *diag)
{
	struct siprec_srtp *s;
	const struct suite *su;
	srtp_policy_t p;
	srtp_err_status_t st;

	if (out == NULL)
		return SIPREC_EINVAL;
	*out = NULL;
	if (c == NULL) {
		siprec_diag_set(diag, 0, 0, "no key");
		return SIPREC_EINVAL;
	}
	su = suite_find(c->suite, strnlen(c->suite, sizeof(c->suite)));
	if (su == NULL || su->rtp == NULL) {
		siprec_diag_set(diag, 0, 0, "crypto suite \"%.*s\" is not "
		    "supported", (int)strnlen(c->suite, sizeof(c->suite)),
		    c->suite);
		return SIPREC_EUNSUPP;
	}
	if (c->keylen != su->keylen) {
		siprec_diag_set(diag, 0, 0, "%s needs %zu bytes of key and "
		    "salt, not %zu", su->name, su->keylen, c->keylen);
		return SIPREC_EINVAL;
	}
	if (c->mki_len > SIPREC_SRTP_MKI_MAX) {
		siprec_diag_set(diag, 0, 0, "MKI of %u bytes", c->mki_len);
		return SIPREC_EINVAL;
	}
	if (su->aead && (c->unencrypted_srtp || c->unauthenticated_srtp)) {
		/* libsrtp2's 16-byte-tag GCM always does both. */
		siprec_diag_set(diag, 0, 0, "%s with %s is not supported",
		    su->name, c->unencrypted_srtp ? "UNENCRYPTED_SRTP" :
		    "UNAUTHENTICATED_SRTP");
		return SIPREC_EUNSUPP;
	}
	if (siprec__srtp_init() != 0) {
		siprec_diag_set(diag, 0, 0, "libsrtp2 does not initialise "
		    "(error %d)", (int)srtp_init_status);
		return SIPREC_EUNSUPP;
	}
	if ((s = calloc(1, sizeof(*s))) == NULL) {
		siprec_diag_set(diag, 0, 0, "out of memory");
		return SIPREC_ENOMEM;
	}
	s->c = *c;
	s->su = su;
	s->bufsz = BUF_MIN;
	if ((s->buf = malloc(s->bufsz)) == NULL) {
		siprec_srtp_free(s);
		siprec_diag_set(diag, 0, 0, "out of memory");
		return SIPREC_ENOMEM;
	}
	policy_init(s, &p, 0, 0);
	st = srtp_create(&s->session, &p);
	if (st != srtp_err_status_ok) {
		s->session = NULL;
		siprec_srtp_free(s);
		if (st == srtp_err_status_alloc_fail) {
			siprec_diag_set(diag, 0, 0, "out of memory");
			return SIPREC_ENOMEM;
		}
		siprec_diag_set(diag, 0, 0, "libsrtp2 refuses %s (error %d)",
		    su->name, (int)st);
		return SIPREC_EUNSUPP;
	}
	*out = s;
	return SIPREC_OK;
}

static srtp_err_status_t
unprotect_rtp(const struct siprec_srtp *s, srtp_t session, int *len)
{
	return srtp_unprotect_mki(session, s->buf, len, s->c.mki_len != 0);
}

static int
seen(const struct siprec_srtp *s, uint32_t ssrc)
{
	unsigned int i;

	for (i = 0; i < s->nseen; i++)
		if (s->seen[i] == ssrc)
			return 1;
	return 0;
}

/*
 * Find the ROC of pkt[0..n), the first RTP packet of ssrc to be tried
 * with ROC 0 and failed (see the design note).  On success *found is set
 * and s->buf[0..*outlen) holds the RTP packet.
 */
static enum siprec_err
roc_search(struct siprec_srtp *s, const uint8_t *pkt, size_t n,
    uint32_t ssrc, int *outlen, int *found)
{
	srtp_policy_t p;
	srtp_t trial;
	uint32_t roc, cur;
	int in;

	*found = 0;
	policy_init(s, &p, 1, ssrc);
	if (srtp_create(&trial, &p) != srtp_err_status_ok)
		return SIPREC_ENOMEM;
	for (roc = 1; roc <= ROC_TRIES; roc++) {
		if (srtp_set_stream_roc(trial, ssrc, roc) !=
		    srtp_err_status_ok) {
			roc = ROC_TRIES + 1;
			break;
		}
		memcpy(s->buf, pkt, n);
		in = (int)n;
		if (unprotect_rtp(s, trial, &in) == srtp_err_status_ok)
			break;
	}
	srtp_dealloc(trial);
	if (roc > ROC_TRIES)
		return SIPREC_OK;

	if (srtp_get_stream_roc(s->session, ssrc, &cur) !=
	    srtp_err_status_ok &&
	    srtp_add_stream(s->session, &p) != srtp_err_status_ok)
		return SIPREC_ENOMEM;
	if (srtp_set_stream_roc(s->session, ssrc, roc) != srtp_err_status_ok)
		return SIPREC_OK;
	memcpy(s->buf, pkt, n);
	in = (int)n;
	if (unprotect_rtp(s, s->session, &in) != srtp_err_status_ok)
		return SIPREC_OK;
	*outlen = in;
	*found = 1;
	return SIPREC_OK;
}

enum siprec_err
siprec_srtp_unprotect(struct siprec_srtp *s, uint8_t *pkt, size_t *len)
{
	srtp_err_status_t st;
	uint32_t ssrc;
	size_t n;
	uint8_t *nb;
	int in, rtcp, found;
	enum siprec_err e;

	if (s == NULL || pkt == NULL || len == NULL)
		return SIPREC_EINVAL;
	n = *len;
	if (n < 12 || n > SIPREC_SRTP_PKT_MAX || pkt[0] >> 6 != 2) {
		s->st.auth_failed++;
		return SIPREC_EPARSE;
	}
	if (n > s->bufsz) {
		/* libsrtp2 wants 32-bit alignment, which malloc gives. */
		if ((nb = malloc(SIPREC_SRTP_PKT_MAX)) == NULL)
			return SIPREC_ENOMEM;
		explicit_bzero(s->buf, s->bufsz);
		free(s->buf);
		s->buf = nb;
		s->bufsz = SIPREC_SRTP_PKT_MAX;
	}

	/* Work on a copy: pkt stays intact when a packet fails. */
	rtcp = siprec_rtp_is_rtcp(pkt, n);
	memcpy(s->buf, pkt, n);
	in = (int)n;
	if (rtcp)
		st = srtp_unprotect_rtcp_mki(s->session, s->buf, &in,
		    s->c.mki_len != 0);
	else
		st = unprotect_rtp(s, s->session, &in);
	ssrc = (uint32_t)pkt[8] << 24 | (uint32_t)pkt[9] << 16 |
	    (uint32_t)pkt[10] << 8 | pkt[11];

	if (st == srtp_err_status_auth_fail && !rtcp && !seen(s, ssrc) &&
	    s->searches < SEARCH_MAX) {
		s->searches++;
		if ((e = roc_search(s, pkt, n, ssrc, &in, &found)) !=
		    SIPREC_OK)
			return e;
		if (found) {
			s->st.roc_guessed++;
			st = srtp_err_status_ok;
		}
	}

	switch (st) {
	case srtp_err_status_ok:
		break;
	case srtp_err_status_replay_fail:
	case srtp_err_status_replay_old:
	case srtp_err_status_pkt_idx_old:
		s->st.replay++;
		return SIPREC_EPARSE;
	default:
		s->st.auth_failed++;
		return SIPREC_EPARSE;
	}
	if (!rtcp && s->nseen < SEEN_MAX && !seen(s, ssrc))
		s->seen[s->nseen++] = ssrc;
	memcpy(pkt, s->buf, (size_t)in);
	*len = (size_t)in;
	s->st.ok++;
	return SIPREC_OK;
}

const struct siprec_srtp_stats *
siprec_srtp_stats(const struct siprec_srtp *s)
{
	return s == NULL ? NULL : &s->st;
}

void
siprec_srtp_free(struct siprec_srtp *s)
{
	if (s == NULL)
		return;
	if (s->session != NULL)
		srtp_dealloc(s->session);
	if (s->buf != NULL) {
		explicit_bzero(s->buf, s->bufsz);
		free(s->buf);
	}
	explicit_bzero(s, sizeof(*s));
	free(s);
}

/* --- key files ---------------------------------------------------------- */

/* "a.b.c.d:port" or "[v6]:port" from t[0..n). */
static enum siprec_err
parse_dst(const struct pctx *pc, const char *t, size_t n,
    struct siprec_addr *a)
{
	char host[64];
	const char *h, *port;
	size_t hn;
	uint64_t v;
	int af;

	memset(a, 0, sizeof(*a));
	if (t[0] == '[') {
		const char *rb = memchr(t, ']', n);

		if (rb == NULL || rb + 1 == t + n || rb[1] != ':')
			return perr(pc, t, SIPREC_EPARSE,
			    "an IPv6 destination is \"[address]:port\"");
		h = t + 1;
		hn = (size_t)(rb - h);
		port = rb + 2;
		af = AF_INET6;
	} else {
		const char *c = NULL, *q;

		for (q = t; q < t + n; q++)
			if (*q == ':')
				c = q;
		if (c == NULL)
			return perr(pc, t, SIPREC_EPARSE, "expected "
			    "\"<dst-ip>:<port>\" or \"ssrc=0x<hex>\"");
		h = t;
		hn = (size_t)(c - t);
		port = c + 1;
		af = AF_INET;
	}
	if (hn == 0 || hn >= sizeof(host))
		return perr(pc, t, SIPREC_EPARSE, "bad destination address");
	memcpy(host, h, hn);
	host[hn] = '\0';
	if (inet_pton(af, host, a->ip) != 1)
		return perr(pc, h, SIPREC_EPARSE, "bad %s address \"%s\"",
		    af == AF_INET ? "IPv4" : "IPv6", host);
	a->family = af == AF_INET ? 4 : 6;
	if (decnum(port, (size_t)(t + n - port), 5, &v) != 0 || v < 1 ||
	    v > 65535)
		return perr(pc, port, SIPREC_EPARSE, "bad port");
	a->port = (uint16_t)v;
	return SIPREC_OK;
}

static int
same_addr(const struct siprec_addr *a, const struct siprec_addr *b)
{
	return a->family == b->family && a->port == b->port &&
	    memcmp(a->ip, b->ip, a->family == 4 ? 4 : 16) == 0;
}

/* Room for one more entry; old blocks are wiped, they hold keys. */
static enum siprec_err
kr_grow(struct siprec_keyring *kr)
{
	struct kr_entry *nv;
	size_t ncap;

	if (kr->n < kr->cap)
		return SIPREC_OK;
	if (kr->cap >= KEYS_MAX)
		return SIPREC_ETOOBIG;
	ncap = kr->cap == 0 ? 16 : kr->cap * 2;
	if ((nv = calloc(ncap, sizeof(*nv))) == NULL)
		return SIPREC_ENOMEM;
	if (kr->n > 0)
		memcpy(nv, kr->v, kr->n * sizeof(*nv));
	if (kr->v != NULL) {
		explicit_bzero(kr->v, kr->cap * sizeof(*kr->v));
		free(kr->v);
	}
	kr->v = nv;
	kr->cap = ncap;
	return SIPREC_OK;
}

/* One non-blank, non-comment line. */
static enum siprec_err
kr_line(struct siprec_keyring *kr, const struct pctx *pc, const char *line,
    const char *end)
{
	struct kr_entry ent, *o;
	const char *p = line, *t;
	size_t n, i;
	enum siprec_err e;

	memset(&ent, 0, sizeof(ent));
	ent.line = pc->line;
	t = token(&p, end, &n);
	if (precase(t, n, "ssrc=")) {
		if (!precase(t + 5, n - 5, "0x") || n < 8 || n > 15)
			return perr(pc, t, SIPREC_EPARSE,
			    "an SSRC is \"ssrc=0x\" and 1 to 8 hex digits");
		for (i = 7; i < n; i++) {
			int d = hexval((unsigned char)t[i]);

			if (d < 0)
				return perr(pc, t + i, SIPREC_EPARSE,
				    "bad hex digit in SSRC");
			ent.ssrc = ent.ssrc << 4 | (uint32_t)d;
		}
		ent.by_ssrc = 1;
	} else if ((e = parse_dst(pc, t, n, &ent.dst)) != SIPREC_OK)
		return e;

	for (i = 0; i < kr->n; i++) {
		o = &kr->v[i];
		if (o->by_ssrc == ent.by_ssrc && (ent.by_ssrc ?
		    o->ssrc == ent.ssrc : same_addr(&o->dst, &ent.dst)))
			return perr(pc, t, SIPREC_EPARSE,
			    "a second key for \"%.*s\" (line %u)", (int)n, t,
			    o->line);
	}
	if ((e = parse_body(pc, p, end, &ent.c)) != SIPREC_OK) {
		siprec_crypto_wipe(&ent.c);
		return e;
	}
	if ((e = kr_grow(kr)) != SIPREC_OK) {
		siprec_crypto_wipe(&ent.c);
		if (e == SIPREC_ETOOBIG)
			return perr(pc, t, e, "more than %d keys", KEYS_MAX);
		return perr(pc, t, e, "out of memory");
	}
	kr->v[kr->n++] = ent;
	siprec_crypto_wipe(&ent.c);
	return SIPREC_OK;
}

enum siprec_err
siprec_keyring_load(const char *path, struct siprec_keyring **out,
    struct siprec_diag *diag)
{
	struct siprec_keyring *kr;
	struct pctx pc;
	char iobuf[4096], line[ATTR_MAX + 2], where[320];
	const char *p, *end;
	FILE *f;
	size_t n;
	enum siprec_err e = SIPREC_OK;

	if (out == NULL)
		return SIPREC_EINVAL;
	*out = NULL;
	if (path == NULL) {
		siprec_diag_set(diag, 0, 0, "no key file");
		return SIPREC_EINVAL;
	}
	if ((kr = calloc(1, sizeof(*kr))) == NULL) {
		siprec_diag_set(diag, 0, 0, "out of memory");
		return SIPREC_ENOMEM;
	}
	if ((f = fopen(path, "r")) == NULL) {
		siprec_diag_set(diag, 0, 0, "%s: %s", path, strerror(errno));
		free(kr);
		return SIPREC_EIO;
	}
	/* Our own stdio buffer, so that it can be wiped. */
	setvbuf(f, iobuf, _IOFBF, sizeof(iobuf));
	pc.diag = diag;
	pc.line = 0;
	pc.where = where;
	while (fgets(line, sizeof(line), f) != NULL) {
		pc.line++;
		pc.text = line;
		snprintf(where, sizeof(where), "%s:%u: ", path, pc.line);
		n = strlen(line);
		if (n > 0 && line[n - 1] == '\n')
			n--;
		else if (!feof(f)) {
			e = perr(&pc, line, SIPREC_ETOOBIG,
			    "line longer than %d characters", ATTR_MAX);
			break;
		}
		if (n > 0 && line[n - 1] == '\r')
			n--;
		/* A comment starts at '#' first on a line or after space. */
		for (p = line; p < line + n; p++)
			if (*p == '#' && (p == line ||
			    iswsp((unsigned char)p[-1])))
				break;
		end = p;
		p = line;
		while (p < end && iswsp((unsigned char)*p))
			p++;
		if (p == end)
			continue;
		if ((e = kr_line(kr, &pc, p, end)) != SIPREC_OK)
			break;
	}
	if (e == SIPREC_OK && ferror(f)) {
		siprec_diag_set(diag, pc.line, 0, "%s: %s", path,
		    strerror(errno));
		e = SIPREC_EIO;
	}
	fclose(f);
	explicit_bzero(iobuf, sizeof(iobuf));
	explicit_bzero(line, sizeof(line));
	if (e != SIPREC_OK) {
		siprec_keyring_free(kr);
		return e;
	}
	*out = kr;
	return SIPREC_OK;
}

const struct siprec_crypto *
siprec_keyring_find(const struct siprec_keyring *kr,
    const struct siprec_addr *dst, uint32_t ssrc)
{
	size_t i;

	if (kr == NULL)
		return NULL;
	for (i = 0; i < kr->n; i++)
		if (kr->v[i].by_ssrc && kr->v[i].ssrc == ssrc)
			return &kr->v[i].c;
	if (dst == NULL)
		return NULL;
	for (i = 0; i < kr->n; i++)
		if (!kr->v[i].by_ssrc && same_addr(&kr->v[i].dst, dst))
			return &kr->v[i].c;
	return NULL;
}

void
siprec_keyring_free(struct siprec_keyring *kr)
{
	if (kr == NULL)
		return;
	if (kr->v != NULL) {
		explicit_bzero(kr->v, kr->cap * sizeof(*kr->v));
		free(kr->v);
	}
	free(kr);
}
