/* SPDX-License-Identifier: BSD-2-Clause */
/* Unit tests of the SRTP module: SDES parsing, round trips, rollover, keys. */
#include <stdint.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <unistd.h>

#include <srtp2/srtp.h>
#include <srtp2/crypto_types.h>

#include <siprec/capture.h>
#include <siprec/media.h>
#include <siprec/srtp.h>

#include "check.h"

/*
 * The sender side is libsrtp2 itself (srtp_protect with the same key),
 * set up here from its own table, so that the module's suite table is
 * checked rather than reused.  Addresses are RFC 5737 / RFC 3849.
 */

#define SSRC		0x11223344u
#define PAYLOAD		160
#define RTPLEN		(12 + PAYLOAD)
#define SRLEN		28		/* an RTCP SR without report blocks */
#define PKTBUF		512		/* room for any trailer */
#define MARSEILLAISE	"../shared/corpus/pcap/sip-rtp/srtp_marseillaise-srtp.pcap"

static char dir[64];

struct tsuite {
	const char	*name;
	size_t		 keylen;
	void		(*rtp)(srtp_crypto_policy_t *);
	void		(*rtcp)(srtp_crypto_policy_t *);
	unsigned int	 tag, rtcptag;
};

static const struct tsuite tsuites[] = {
	{ "AES_CM_128_HMAC_SHA1_80", 30, srtp_crypto_policy_set_rtp_default,
	    srtp_crypto_policy_set_rtp_default, 10, 10 },
	{ "AES_CM_128_HMAC_SHA1_32", 30,
	    srtp_crypto_policy_set_aes_cm_128_hmac_sha1_32,
	    srtp_crypto_policy_set_rtp_default, 4, 10 },
	{ "AES_192_CM_HMAC_SHA1_80", 38,
	    srtp_crypto_policy_set_aes_cm_192_hmac_sha1_80,
	    srtp_crypto_policy_set_aes_cm_192_hmac_sha1_80, 10, 10 },
	{ "AES_192_CM_HMAC_SHA1_32", 38,
	    srtp_crypto_policy_set_aes_cm_192_hmac_sha1_32,
	    srtp_crypto_policy_set_aes_cm_192_hmac_sha1_80, 4, 10 },
	{ "AES_256_CM_HMAC_SHA1_80", 46,
	    srtp_crypto_policy_set_aes_cm_256_hmac_sha1_80,
	    srtp_crypto_policy_set_aes_cm_256_hmac_sha1_80, 10, 10 },
	{ "AES_256_CM_HMAC_SHA1_32", 46,
	    srtp_crypto_policy_set_aes_cm_256_hmac_sha1_32,
	    srtp_crypto_policy_set_aes_cm_256_hmac_sha1_80, 4, 10 },
	{ "AEAD_AES_128_GCM", 28, srtp_crypto_policy_set_aes_gcm_128_16_auth,
	    srtp_crypto_policy_set_aes_gcm_128_16_auth, 16, 16 },
	{ "AEAD_AES_256_GCM", 44, srtp_crypto_policy_set_aes_gcm_256_16_auth,
	    srtp_crypto_policy_set_aes_gcm_256_16_auth, 16, 16 },
};
#define NSUITES	(sizeof(tsuites) / sizeof(tsuites[0]))

/* --- helpers ------------------------------------------------------------ */

static void
b64enc(const uint8_t *in, size_t n, char *out)
{
	static const char tab[] =
	    "ABCDEFGHIJKLMNOPQRSTUVWXYZabcdefghijklmnopqrstuvwxyz0123456789+/";
	size_t i;
	uint32_t v;

	for (i = 0; i + 2 < n; i += 3) {
		v = (uint32_t)in[i] << 16 | (uint32_t)in[i + 1] << 8 | in[i + 2];
		*out++ = tab[v >> 18];
		*out++ = tab[(v >> 12) & 63];
		*out++ = tab[(v >> 6) & 63];
		*out++ = tab[v & 63];
	}
	if (n - i == 1) {
		v = (uint32_t)in[i] << 16;
		*out++ = tab[v >> 18];
		*out++ = tab[(v >> 12) & 63];
		*out++ = '=';
		*out++ = '=';
	} else if (n - i == 2) {
		v = (uint32_t)in[i] << 16 | (uint32_t)in[i + 1] << 8;
		*out++ = tab[v >> 18];
		*out++ = tab[(v >> 12) & 63];
		*out++ = tab[(v >> 6) & 63];
		*out++ = '=';
	}
	*out = '\0';
}

static void
mkkey(uint8_t *k, size_t n, unsigned int seed)
{
	size_t i;

	for (i = 0; i < n; i++)
		k[i] = (uint8_t)(seed * 31 + i * 7 + 1);
}

/* "<tag> <suite> inline:<base64 of key>" plus extra. */
static void
mkattr(char *buf, size_t sz, const char *suite, const uint8_t *k, size_t n,
    const char *extra)
{
	char b64[80];

	b64enc(k, n, b64);
	snprintf(buf, sz, "1 %s inline:%s%s", suite, b64, extra);
}

static size_t
mkrtp(uint8_t *b, uint16_t seq, uint32_t ssrc)
{
	uint32_t ts = (uint32_t)seq * 160;
	size_t i;

	b[0] = 0x80;
	b[1] = 8;
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
	for (i = 0; i < PAYLOAD; i++)
		b[12 + i] = (uint8_t)(seq + i * 3);
	return RTPLEN;
}

static size_t
mksr(uint8_t *b, uint32_t ssrc, unsigned int n)
{
	size_t i;

	b[0] = 0x80;
	b[1] = 200;
	b[2] = 0;
	b[3] = 6;
	b[4] = (uint8_t)(ssrc >> 24);
	b[5] = (uint8_t)(ssrc >> 16);
	b[6] = (uint8_t)(ssrc >> 8);
	b[7] = (uint8_t)ssrc;
	for (i = 8; i < SRLEN; i++)
		b[i] = (uint8_t)(n + i);
	return SRLEN;
}

struct sender {
	srtp_t			 s;
	uint8_t			 key[SIPREC_SRTP_KEY_MAX];
	uint8_t			 mki[4];
	srtp_master_key_t	 mk, *mkv[1];
};

/*
 * A sending session for suite ts with key k; flags as in the session
 * parameters; mki (4 bytes) when use_mki.
 */
static int
sender_new(struct sender *snd, const struct tsuite *ts, const uint8_t *k,
    int unenc_srtp, int unauth_srtp, int unenc_srtcp, int use_mki)
{
	srtp_policy_t p;

	memset(snd, 0, sizeof(*snd));
	memcpy(snd->key, k, ts->keylen);
	memset(&p, 0, sizeof(p));
	ts->rtp(&p.rtp);
	ts->rtcp(&p.rtcp);
	if (unenc_srtp)
		p.rtp.sec_serv = sec_serv_auth;
	if (unauth_srtp) {
		p.rtp.auth_type = SRTP_NULL_AUTH;
		p.rtp.auth_key_len = 0;
		p.rtp.auth_tag_len = 0;
		p.rtp.sec_serv = sec_serv_conf;
	}
	if (unenc_srtcp)
		p.rtcp.sec_serv = sec_serv_auth;
	p.ssrc.type = ssrc_any_outbound;
	p.window_size = 128;
	if (use_mki) {
		snd->mki[3] = 1;
		snd->mk.key = snd->key;
		snd->mk.mki_id = snd->mki;
		snd->mk.mki_size = 4;
		snd->mkv[0] = &snd->mk;
		p.keys = snd->mkv;
		p.num_master_keys = 1;
	} else
		p.key = snd->key;
	return srtp_create(&snd->s, &p) == srtp_err_status_ok ? 0 : -1;
}

static size_t
protect(struct sender *snd, uint8_t *b, size_t n, int use_mki)
{
	int len = (int)n;

	if (srtp_protect_mki(snd->s, b, &len, use_mki != 0, 0) !=
	    srtp_err_status_ok)
		return 0;
	return (size_t)len;
}

static size_t
protect_rtcp(struct sender *snd, uint8_t *b, size_t n, int use_mki)
{
	int len = (int)n;

	if (srtp_protect_rtcp_mki(snd->s, b, &len, use_mki != 0, 0) !=
	    srtp_err_status_ok)
		return 0;
	return (size_t)len;
}

static struct siprec_srtp *
ctx_from(const char *attr)
{
	struct siprec_crypto c;
	struct siprec_srtp *s = NULL;
	struct siprec_diag d;

	memset(&d, 0, sizeof(d));
	if (siprec_crypto_parse(attr, &c, &d) != SIPREC_OK) {
		fprintf(stderr, "parse \"%s\": %s\n", attr, d.detail);
		return NULL;
	}
	if (siprec_srtp_new(&c, &s, &d) != SIPREC_OK)
		fprintf(stderr, "new \"%s\": %s\n", attr, d.detail);
	siprec_crypto_wipe(&c);
	return s;
}

static int
allzero(const void *p, size_t n)
{
	const uint8_t *b = p;
	size_t i;

	for (i = 0; i < n; i++)
		if (b[i] != 0)
			return 0;
	return 1;
}

/* --- crypto attributes -------------------------------------------------- */

static enum siprec_err
parse(const char *s, struct siprec_crypto *c)
{
	return siprec_crypto_parse(s, c, NULL);
}

static void
test_parse_good(void)
{
	/* The key of RFC 4568's example, decoded. */
	static const uint8_t rfckey[30] = "=-n@%^x!Bjufr9)?,#5h\\`=&]{qiPQ";
	struct siprec_crypto c;
	struct siprec_diag d;
	uint8_t k[46];
	char a[256];
	size_t i;

	memset(&d, 0, sizeof(d));
	CHECK(siprec_crypto_parse("1 AES_CM_128_HMAC_SHA1_80 "
	    "inline:PS1uQCVeeCFCanVmcjkpPywjNWhcYD0mXXtxaVBR|2^20|1:4", &c,
	    &d) == SIPREC_OK);
	CHECK(c.tag == 1);
	CHECK(strcmp(c.suite, "AES_CM_128_HMAC_SHA1_80") == 0);
	CHECK(c.keylen == 30 && memcmp(c.key, rfckey, 30) == 0);
	CHECK(c.mki_len == 4 && c.mki[0] == 0 && c.mki[1] == 0 &&
	    c.mki[2] == 0 && c.mki[3] == 1);
	CHECK(!c.unencrypted_srtp && !c.unencrypted_srtcp &&
	    !c.unauthenticated_srtp);

	/* The other forms of the key info, and a line end. */
	CHECK(parse("2 AES_CM_128_HMAC_SHA1_32 "
	    "inline:PS1uQCVeeCFCanVmcjkpPywjNWhcYD0mXXtxaVBR|1048576\r\n",
	    &c) == SIPREC_OK);
	CHECK(c.tag == 2 && c.mki_len == 0 && c.keylen == 30);
	CHECK(parse("3 AES_CM_128_HMAC_SHA1_80 "
	    "inline:PS1uQCVeeCFCanVmcjkpPywjNWhcYD0mXXtxaVBR|258:2", &c) ==
	    SIPREC_OK);
	CHECK(c.mki_len == 2 && c.mki[0] == 1 && c.mki[1] == 2);
	CHECK(parse("123456789 AES_CM_128_HMAC_SHA1_80 "
	    "inline:PS1uQCVeeCFCanVmcjkpPywjNWhcYD0mXXtxaVBR|2^48|7:128", &c) ==
	    SIPREC_OK);
	CHECK(c.tag == 123456789 && c.mki_len == 128 && c.mki[127] == 7 &&
	    allzero(c.mki, 127));

	/* Suite names and the inline: method are case-insensitive. */
	CHECK(parse("1 aes_cm_128_hmac_sha1_80 "
	    "INLINE:PS1uQCVeeCFCanVmcjkpPywjNWhcYD0mXXtxaVBR", &c) ==
	    SIPREC_OK);
	CHECK(strcmp(c.suite, "AES_CM_128_HMAC_SHA1_80") == 0);

	/* Session parameters (RFC 4568 6.3). */
	CHECK(parse("1 AES_CM_128_HMAC_SHA1_80 "
	    "inline:PS1uQCVeeCFCanVmcjkpPywjNWhcYD0mXXtxaVBR "
	    "UNENCRYPTED_SRTCP UNENCRYPTED_SRTP", &c) == SIPREC_OK);
	CHECK(c.unencrypted_srtp && c.unencrypted_srtcp &&
	    !c.unauthenticated_srtp);
	CHECK(parse("1 AES_CM_128_HMAC_SHA1_80 "
	    "inline:PS1uQCVeeCFCanVmcjkpPywjNWhcYD0mXXtxaVBR "
	    "UNAUTHENTICATED_SRTP FEC_ORDER=SRTP_FEC WSH=128 -x-vendor=1 "
	    "FEC_KEY=inline:PS1uQCVeeCFCanVmcjkpPywjNWhcYD0mXXtxaVBR", &c) ==
	    SIPREC_OK);
	CHECK(c.unauthenticated_srtp && !c.unencrypted_srtp);

	/* Every suite with its key length (SPEC 8), padded or not. */
	for (i = 0; i < NSUITES; i++) {
		mkkey(k, tsuites[i].keylen, (unsigned int)i);
		mkattr(a, sizeof(a), tsuites[i].name, k, tsuites[i].keylen, "");
		CHECK(parse(a, &c) == SIPREC_OK);
		CHECK(strcmp(c.suite, tsuites[i].name) == 0);
		CHECK(c.keylen == tsuites[i].keylen &&
		    memcmp(c.key, k, c.keylen) == 0);
		/* Without '=' padding (AEAD keys need it). */
		while (a[strlen(a) - 1] == '=')
			a[strlen(a) - 1] = '\0';
		CHECK(parse(a, &c) == SIPREC_OK && c.keylen == tsuites[i].keylen);
	}
	siprec_crypto_wipe(&c);
	CHECK(allzero(&c, sizeof(c)));
	siprec_crypto_wipe(NULL);
}

/* A bad attribute: the error, and the output wiped. */
static void
bad(const char *s, enum siprec_err want)
{
	struct siprec_crypto c;
	struct siprec_diag d;
	enum siprec_err e;

	memset(&d, 0, sizeof(d));
	e = siprec_crypto_parse(s, &c, &d);
	if (e != want)
		fprintf(stderr, "\"%s\": got %d (%s), want %d\n", s, e,
		    d.detail, want);
	CHECK(e == want);
	CHECK(allzero(&c, sizeof(c)));
	CHECK(d.detail[0] != '\0');
}

static void
test_parse_bad(void)
{
	struct siprec_crypto c;
	struct siprec_diag d;
	char big[1100];
	uint8_t k[46];
	char a[256];

	/* Wrong decoded key lengths. */
	bad("1 AES_256_CM_HMAC_SHA1_80 "
	    "inline:PS1uQCVeeCFCanVmcjkpPywjNWhcYD0mXXtxaVBR", SIPREC_EPARSE);
	bad("1 AES_CM_128_HMAC_SHA1_80 "
	    "inline:PS1uQCVeeCFCanVmcjkpPywjNWhcYD0mXXtx", SIPREC_EPARSE);
	mkkey(k, 46, 1);
	mkattr(a, sizeof(a), "AEAD_AES_128_GCM", k, 30, "");
	bad(a, SIPREC_EPARSE);
	mkattr(a, sizeof(a), "AES_CM_128_HMAC_SHA1_80", k, 46, "");
	bad(a, SIPREC_EPARSE);
	bad("1 AES_CM_128_HMAC_SHA1_80 inline:"
	    "PS1uQCVeeCFCanVmcjkpPywjNWhcYD0mXXtxaVBRPS1uQCVeeCFCanVmcjkpPywjNWh"
	    "cYD0mXXtxaVBR", SIPREC_EPARSE);

	/* Unknown and unsupported suites. */
	bad("1 AES_CM_999_HMAC_SHA1_80 "
	    "inline:PS1uQCVeeCFCanVmcjkpPywjNWhcYD0mXXtxaVBR", SIPREC_EUNSUPP);
	bad("1 F8_128_HMAC_SHA1_80 "
	    "inline:PS1uQCVeeCFCanVmcjkpPywjNWhcYD0mXXtxaVBR", SIPREC_EUNSUPP);
	bad("1 AES-CM inline:PS1uQCVeeCFCanVmcjkpPywjNWhcYD0mXXtxaVBR",
	    SIPREC_EPARSE);

	/* Bad base64. */
	bad("1 AES_CM_128_HMAC_SHA1_80 "
	    "inline:PS1uQCVeeCFCanVmcjkp*PywjNWhcYD0mXXtxaVB", SIPREC_EPARSE);
	bad("1 AES_CM_128_HMAC_SHA1_80 "
	    "inline:PS1uQCVeeCFC=nVmcjkpPywjNWhcYD0mXXtxaVBR", SIPREC_EPARSE);
	bad("1 AES_CM_128_HMAC_SHA1_80 inline:", SIPREC_EPARSE);

	/* Tag, key method, missing pieces. */
	bad("01 AES_CM_128_HMAC_SHA1_80 "
	    "inline:PS1uQCVeeCFCanVmcjkpPywjNWhcYD0mXXtxaVBR", SIPREC_EPARSE);
	bad("1234567890 AES_CM_128_HMAC_SHA1_80 "
	    "inline:PS1uQCVeeCFCanVmcjkpPywjNWhcYD0mXXtxaVBR", SIPREC_EPARSE);
	bad("x AES_CM_128_HMAC_SHA1_80 "
	    "inline:PS1uQCVeeCFCanVmcjkpPywjNWhcYD0mXXtxaVBR", SIPREC_EPARSE);
	bad("1 AES_CM_128_HMAC_SHA1_80 "
	    "PS1uQCVeeCFCanVmcjkpPywjNWhcYD0mXXtxaVBR", SIPREC_EPARSE);
	bad("1 AES_CM_128_HMAC_SHA1_80", SIPREC_EPARSE);
	bad("1", SIPREC_EPARSE);
	bad("", SIPREC_EPARSE);

	/* Lifetime and MKI forms. */
	bad("1 AES_CM_128_HMAC_SHA1_80 "
	    "inline:PS1uQCVeeCFCanVmcjkpPywjNWhcYD0mXXtxaVBR|2^", SIPREC_EPARSE);
	bad("1 AES_CM_128_HMAC_SHA1_80 "
	    "inline:PS1uQCVeeCFCanVmcjkpPywjNWhcYD0mXXtxaVBR|2^49",
	    SIPREC_EPARSE);
	bad("1 AES_CM_128_HMAC_SHA1_80 "
	    "inline:PS1uQCVeeCFCanVmcjkpPywjNWhcYD0mXXtxaVBR|0", SIPREC_EPARSE);
	bad("1 AES_CM_128_HMAC_SHA1_80 "
	    "inline:PS1uQCVeeCFCanVmcjkpPywjNWhcYD0mXXtxaVBR|2^20|2^20",
	    SIPREC_EPARSE);
	bad("1 AES_CM_128_HMAC_SHA1_80 "
	    "inline:PS1uQCVeeCFCanVmcjkpPywjNWhcYD0mXXtxaVBR|1:4|2^20",
	    SIPREC_EPARSE);
	bad("1 AES_CM_128_HMAC_SHA1_80 "
	    "inline:PS1uQCVeeCFCanVmcjkpPywjNWhcYD0mXXtxaVBR|1:0", SIPREC_EPARSE);
	bad("1 AES_CM_128_HMAC_SHA1_80 "
	    "inline:PS1uQCVeeCFCanVmcjkpPywjNWhcYD0mXXtxaVBR|1:129",
	    SIPREC_EPARSE);
	bad("1 AES_CM_128_HMAC_SHA1_80 "
	    "inline:PS1uQCVeeCFCanVmcjkpPywjNWhcYD0mXXtxaVBR|256:1",
	    SIPREC_EPARSE);
	bad("1 AES_CM_128_HMAC_SHA1_80 "
	    "inline:PS1uQCVeeCFCanVmcjkpPywjNWhcYD0mXXtxaVBR|x:1", SIPREC_EPARSE);
	bad("1 AES_CM_128_HMAC_SHA1_80 "
	    "inline:PS1uQCVeeCFCanVmcjkpPywjNWhcYD0mXXtxaVBR||1:4",
	    SIPREC_EPARSE);

	/* Session parameters. */
	bad("1 AES_CM_128_HMAC_SHA1_80 "
	    "inline:PS1uQCVeeCFCanVmcjkpPywjNWhcYD0mXXtxaVBR FOO=1",
	    SIPREC_EPARSE);
	bad("1 AES_CM_128_HMAC_SHA1_80 "
	    "inline:PS1uQCVeeCFCanVmcjkpPywjNWhcYD0mXXtxaVBR WSH=32",
	    SIPREC_EPARSE);
	bad("1 AES_CM_128_HMAC_SHA1_80 "
	    "inline:PS1uQCVeeCFCanVmcjkpPywjNWhcYD0mXXtxaVBR KDR=30",
	    SIPREC_EPARSE);
	bad("1 AES_CM_128_HMAC_SHA1_80 "
	    "inline:PS1uQCVeeCFCanVmcjkpPywjNWhcYD0mXXtxaVBR KDR=5",
	    SIPREC_EUNSUPP);
	bad("1 AES_CM_128_HMAC_SHA1_80 "
	    "inline:PS1uQCVeeCFCanVmcjkpPywjNWhcYD0mXXtxaVBR FEC_ORDER=X",
	    SIPREC_EPARSE);

	/* Several keys (with MKIs) in one attribute: not supported. */
	bad("1 AES_CM_128_HMAC_SHA1_80 "
	    "inline:PS1uQCVeeCFCanVmcjkpPywjNWhcYD0mXXtxaVBR|1:4;"
	    "inline:QUJjZGVmMTIzNDU2Nzg5QUJDREUwMTIzNDU2Nzg5|2:4",
	    SIPREC_EUNSUPP);

	/* Too long, and NULL. */
	memset(big, 'A', sizeof(big) - 1);
	big[sizeof(big) - 1] = '\0';
	bad(big, SIPREC_ETOOBIG);
	CHECK(siprec_crypto_parse(NULL, &c, NULL) == SIPREC_EINVAL);
	CHECK(siprec_crypto_parse("1", NULL, NULL) == SIPREC_EINVAL);

	/* The column points at the fault. */
	memset(&d, 0, sizeof(d));
	CHECK(siprec_crypto_parse("1 AES_CM_128_HMAC_SHA1_80 "
	    "inline:PS1uQCVeeCFCanVmcjkpPywjNWhcYD0mXXtxaVBR BOGUS", &c, &d) ==
	    SIPREC_EPARSE);
	CHECK(d.line == 0 && d.col == 75);
	CHECK(strstr(d.detail, "BOGUS") != NULL);
}

/* --- round trips -------------------------------------------------------- */

static void
test_roundtrip(void)
{
	uint32_t w[PKTBUF / 4], orig[PKTBUF / 4], save[PKTBUF / 4];
	uint8_t *b = (uint8_t *)w, *o = (uint8_t *)orig, *sv = (uint8_t *)save;
	uint8_t k[46], odd[PKTBUF + 1];
	char a[256];
	struct sender snd;
	struct siprec_srtp *s;
	const struct siprec_srtp_stats *st;
	size_t i, n, len, good;
	uint16_t seq;

	for (i = 0; i < NSUITES; i++) {
		const struct tsuite *ts = &tsuites[i];

		mkkey(k, ts->keylen, (unsigned int)i + 10);
		mkattr(a, sizeof(a), ts->name, k, ts->keylen, "");
		s = ctx_from(a);
		CHECK(s != NULL);
		CHECK(sender_new(&snd, ts, k, 0, 0, 0, 0) == 0);
		if (s == NULL || snd.s == NULL)
			continue;
		good = 0;
		for (seq = 1000; seq < 1050; seq++) {
			mkrtp(o, seq, SSRC);
			memcpy(b, o, RTPLEN);
			n = protect(&snd, b, RTPLEN, 0);
			if (n != RTPLEN + ts->tag || memcmp(b, o, RTPLEN) == 0)
				continue;
			len = n;
			if (siprec_srtp_unprotect(s, b, &len) == SIPREC_OK &&
			    len == RTPLEN && memcmp(b, o, RTPLEN) == 0)
				good++;
		}
		CHECK(good == 50);

		/* SRTCP: E flag + index, then an 80-bit tag for _32 too. */
		mksr(o, SSRC, 1);
		memcpy(b, o, SRLEN);
		n = protect_rtcp(&snd, b, SRLEN, 0);
		CHECK(n == SRLEN + 4 + ts->rtcptag);
		len = n;
		CHECK(siprec_srtp_unprotect(s, b, &len) == SIPREC_OK);
		CHECK(len == SRLEN && memcmp(b, o, SRLEN) == 0);

		/* A corrupted tag: refused, counted, packet untouched. */
		mkrtp(o, 1050, SSRC);
		n = protect(&snd, o, RTPLEN, 0);
		memcpy(sv, o, n);
		memcpy(b, o, n);
		b[n - 1] ^= 0x01;
		memcpy(o, b, n);
		len = n;
		CHECK(siprec_srtp_unprotect(s, b, &len) == SIPREC_EPARSE);
		CHECK(len == n && memcmp(b, o, n) == 0);
		st = siprec_srtp_stats(s);
		CHECK(st->auth_failed == 1 && st->replay == 0);

		/* The intact packet, at an odd address, then its replay. */
		memcpy(odd + 1, sv, n);
		len = n;
		CHECK(siprec_srtp_unprotect(s, odd + 1, &len) == SIPREC_OK);
		CHECK(len == RTPLEN);
		memcpy(b, sv, n);
		len = n;
		CHECK(siprec_srtp_unprotect(s, b, &len) == SIPREC_EPARSE);
		st = siprec_srtp_stats(s);
		CHECK(st->replay == 1 && st->auth_failed == 1);
		CHECK(st->ok == 52 && st->roc_guessed == 0);

		/* Not SRTP at all. */
		len = 5;
		CHECK(siprec_srtp_unprotect(s, b, &len) == SIPREC_EPARSE);
		CHECK(st->auth_failed == 2);

		srtp_dealloc(snd.s);
		siprec_srtp_free(s);
	}
	CHECK(siprec_srtp_unprotect(NULL, b, &len) == SIPREC_EINVAL);
	CHECK(siprec_srtp_stats(NULL) == NULL);
	siprec_srtp_free(NULL);
}

/* MKI and the session parameters on the wire. */
static void
test_mki_params(void)
{
	uint32_t w[PKTBUF / 4], orig[PKTBUF / 4];
	uint8_t *b = (uint8_t *)w, *o = (uint8_t *)orig;
	uint8_t k[46];
	char a[256];
	struct sender snd;
	struct siprec_srtp *s;
	struct siprec_crypto c;
	struct siprec_diag d;
	size_t n, len;

	/* MKI 1 in 4 bytes (RFC 4568 6.1), RTP and RTCP. */
	mkkey(k, 30, 40);
	mkattr(a, sizeof(a), "AES_CM_128_HMAC_SHA1_80", k, 30, "|2^20|1:4");
	s = ctx_from(a);
	CHECK(s != NULL && sender_new(&snd, &tsuites[0], k, 0, 0, 0, 1) == 0);
	if (s != NULL && snd.s != NULL) {
		mkrtp(o, 7, SSRC);
		memcpy(b, o, RTPLEN);
		n = protect(&snd, b, RTPLEN, 1);
		CHECK(n == RTPLEN + 4 + 10);
		CHECK(b[RTPLEN + 3] == 1);
		len = n;
		CHECK(siprec_srtp_unprotect(s, b, &len) == SIPREC_OK);
		CHECK(len == RTPLEN && memcmp(b, o, RTPLEN) == 0);
		mksr(o, SSRC, 2);
		memcpy(b, o, SRLEN);
		n = protect_rtcp(&snd, b, SRLEN, 1);
		len = n;
		CHECK(siprec_srtp_unprotect(s, b, &len) == SIPREC_OK);
		CHECK(len == SRLEN && memcmp(b, o, SRLEN) == 0);
		/* A different MKI is refused. */
		mkrtp(o, 8, SSRC);
		memcpy(b, o, RTPLEN);
		n = protect(&snd, b, RTPLEN, 1);
		b[RTPLEN + 3] = 2;
		len = n;
		CHECK(siprec_srtp_unprotect(s, b, &len) == SIPREC_EPARSE);
		srtp_dealloc(snd.s);
	}
	siprec_srtp_free(s);

	/* UNENCRYPTED_SRTP, UNENCRYPTED_SRTCP: clear text, still signed. */
	mkattr(a, sizeof(a), "AES_CM_128_HMAC_SHA1_32", k, 30,
	    " UNENCRYPTED_SRTP UNENCRYPTED_SRTCP");
	s = ctx_from(a);
	CHECK(s != NULL && sender_new(&snd, &tsuites[1], k, 1, 0, 1, 0) == 0);
	if (s != NULL && snd.s != NULL) {
		mkrtp(o, 9, SSRC);
		memcpy(b, o, RTPLEN);
		n = protect(&snd, b, RTPLEN, 0);
		CHECK(n == RTPLEN + 4 && memcmp(b, o, RTPLEN) == 0);
		len = n;
		CHECK(siprec_srtp_unprotect(s, b, &len) == SIPREC_OK);
		CHECK(len == RTPLEN && memcmp(b, o, RTPLEN) == 0);
		/* The payload is clear but still authenticated. */
		mkrtp(o, 10, SSRC);
		memcpy(b, o, RTPLEN);
		n = protect(&snd, b, RTPLEN, 0);
		b[20] ^= 1;
		len = n;
		CHECK(siprec_srtp_unprotect(s, b, &len) == SIPREC_EPARSE);
		mksr(o, SSRC, 3);
		memcpy(b, o, SRLEN);
		n = protect_rtcp(&snd, b, SRLEN, 0);
		CHECK(n == SRLEN + 4 + 10 && memcmp(b, o, SRLEN) == 0);
		CHECK((b[SRLEN] & 0x80) == 0);	/* E flag clear */
		len = n;
		CHECK(siprec_srtp_unprotect(s, b, &len) == SIPREC_OK);
		CHECK(len == SRLEN && memcmp(b, o, SRLEN) == 0);
		srtp_dealloc(snd.s);
	}
	siprec_srtp_free(s);

	/* UNAUTHENTICATED_SRTP: no tag on RTP. */
	mkattr(a, sizeof(a), "AES_256_CM_HMAC_SHA1_80", k, 46,
	    " UNAUTHENTICATED_SRTP");
	s = ctx_from(a);
	CHECK(s != NULL && sender_new(&snd, &tsuites[4], k, 0, 1, 0, 0) == 0);
	if (s != NULL && snd.s != NULL) {
		mkrtp(o, 11, SSRC);
		memcpy(b, o, RTPLEN);
		n = protect(&snd, b, RTPLEN, 0);
		CHECK(n == RTPLEN && memcmp(b, o, RTPLEN) != 0);
		len = n;
		CHECK(siprec_srtp_unprotect(s, b, &len) == SIPREC_OK);
		CHECK(len == RTPLEN && memcmp(b, o, RTPLEN) == 0);
		srtp_dealloc(snd.s);
	}
	siprec_srtp_free(s);

	/* AEAD with an unencrypted or unauthenticated option. */
	mkattr(a, sizeof(a), "AEAD_AES_128_GCM", k, 28, " UNENCRYPTED_SRTP");
	CHECK(parse(a, &c) == SIPREC_OK);
	memset(&d, 0, sizeof(d));
	s = (struct siprec_srtp *)&d;
	CHECK(siprec_srtp_new(&c, &s, &d) == SIPREC_EUNSUPP && s == NULL);
	CHECK(strstr(d.detail, "UNENCRYPTED_SRTP") != NULL);
	/* A key of the wrong length, an unknown suite. */
	c.unencrypted_srtp = 0;
	c.keylen = 30;
	CHECK(siprec_srtp_new(&c, &s, NULL) == SIPREC_EINVAL && s == NULL);
	snprintf(c.suite, sizeof(c.suite), "F8_128_HMAC_SHA1_80");
	CHECK(siprec_srtp_new(&c, &s, NULL) == SIPREC_EUNSUPP && s == NULL);
	CHECK(siprec_srtp_new(NULL, &s, NULL) == SIPREC_EINVAL);
	siprec_crypto_wipe(&c);
}

/* --- rollover ----------------------------------------------------------- */

/* A stream starting at 65530 crosses the wrap (RFC 3711 3.3.1). */
static void
test_wrap(void)
{
	uint32_t w[PKTBUF / 4], orig[PKTBUF / 4];
	uint8_t *b = (uint8_t *)w, *o = (uint8_t *)orig;
	uint8_t k[46];
	char a[256];
	struct sender snd;
	struct siprec_srtp *s;
	size_t n, len, good = 0;
	unsigned int i;
	uint16_t seq;

	mkkey(k, 30, 50);
	mkattr(a, sizeof(a), "AES_CM_128_HMAC_SHA1_80", k, 30, "");
	s = ctx_from(a);
	CHECK(s != NULL && sender_new(&snd, &tsuites[0], k, 0, 0, 0, 0) == 0);
	if (s == NULL || snd.s == NULL)
		return;
	for (i = 0, seq = 65530; i < 40; i++, seq++) {
		mkrtp(o, seq, SSRC);
		memcpy(b, o, RTPLEN);
		n = protect(&snd, b, RTPLEN, 0);
		len = n;
		if (siprec_srtp_unprotect(s, b, &len) == SIPREC_OK &&
		    len == RTPLEN && memcmp(b, o, RTPLEN) == 0)
			good++;
	}
	CHECK(good == 40);
	CHECK(siprec_srtp_stats(s)->roc_guessed == 0);
	srtp_dealloc(snd.s);
	siprec_srtp_free(s);
}

/*
 * SPEC T-21: the capture starts after the sender wrapped.  The sender
 * protects from 30000 up through the wrap; only packets 100..199 of ROC
 * 1 reach the module.  rtcp_first sends an SRTCP packet first, so that
 * the SSRC already has a stream when the RTP arrives.
 */
static void
late_start(const struct tsuite *ts, unsigned int roc, int rtcp_first)
{
	uint32_t w[PKTBUF / 4], orig[PKTBUF / 4];
	uint8_t *b = (uint8_t *)w, *o = (uint8_t *)orig;
	uint8_t k[46], (*keep)[PKTBUF];
	size_t *klen, n, len, good = 0;
	char a[256];
	struct sender snd;
	struct siprec_srtp *s;
	const struct siprec_srtp_stats *st;
	uint32_t idx, last;
	unsigned int i;

	keep = calloc(100, sizeof(*keep));
	klen = calloc(100, sizeof(*klen));
	mkkey(k, ts->keylen, 60 + roc);
	mkattr(a, sizeof(a), ts->name, k, ts->keylen, "");
	s = ctx_from(a);
	CHECK(s != NULL && sender_new(&snd, ts, k, 0, 0, 0, 0) == 0);
	if (s == NULL || snd.s == NULL || keep == NULL || klen == NULL) {
		free(keep);
		free(klen);
		siprec_srtp_free(s);
		return;
	}
	last = roc * 65536 + 199;
	for (idx = 30000; idx <= last; idx++) {
		mkrtp(b, (uint16_t)idx, SSRC);
		n = protect(&snd, b, RTPLEN, 0);
		if (idx >= roc * 65536 + 100) {
			memcpy(keep[idx - (roc * 65536 + 100)], b, n);
			klen[idx - (roc * 65536 + 100)] = n;
		}
	}
	if (rtcp_first) {
		mksr(b, SSRC, 9);
		n = protect_rtcp(&snd, b, SRLEN, 0);
		len = n;
		CHECK(siprec_srtp_unprotect(s, b, &len) == SIPREC_OK);
	}
	for (i = 0; i < 100; i++) {
		mkrtp(o, (uint16_t)(100 + i), SSRC);
		memcpy(b, keep[i], klen[i]);
		len = klen[i];
		if (siprec_srtp_unprotect(s, b, &len) == SIPREC_OK &&
		    len == RTPLEN && memcmp(b, o, RTPLEN) == 0)
			good++;
	}
	st = siprec_srtp_stats(s);
	CHECK(good == 100);
	CHECK(st->roc_guessed == 1 && st->auth_failed == 0);
	CHECK(st->ok == 100 + (rtcp_first ? 1u : 0u));
	srtp_dealloc(snd.s);
	siprec_srtp_free(s);
	free(keep);
	free(klen);
}

static void
test_late_start(void)
{
	uint32_t w[PKTBUF / 4];
	uint8_t *b = (uint8_t *)w;
	uint8_t k[46], k2[46];
	char a[256];
	struct sender snd;
	struct siprec_srtp *s;
	const struct siprec_srtp_stats *st;
	size_t n, len;
	unsigned int i;

	late_start(&tsuites[0], 1, 0);
	late_start(&tsuites[1], 1, 1);
	late_start(&tsuites[6], 1, 0);
	late_start(&tsuites[0], 2, 0);

	/* A wrong key: every packet fails, the searches stop. */
	mkkey(k, 30, 70);
	mkkey(k2, 30, 71);
	mkattr(a, sizeof(a), "AES_CM_128_HMAC_SHA1_80", k2, 30, "");
	s = ctx_from(a);
	CHECK(s != NULL && sender_new(&snd, &tsuites[0], k, 0, 0, 0, 0) == 0);
	if (s == NULL || snd.s == NULL)
		return;
	for (i = 0; i < 40; i++) {
		mkrtp(b, (uint16_t)(500 + i), SSRC);
		n = protect(&snd, b, RTPLEN, 0);
		len = n;
		CHECK(siprec_srtp_unprotect(s, b, &len) == SIPREC_EPARSE);
	}
	st = siprec_srtp_stats(s);
	CHECK(st->auth_failed == 40 && st->ok == 0 && st->roc_guessed == 0);
	srtp_dealloc(snd.s);
	siprec_srtp_free(s);
}

/* --- key files ---------------------------------------------------------- */

static void
writefile(const char *path, const char *text)
{
	FILE *f = fopen(path, "w");

	if (f == NULL)
		return;
	fputs(text, f);
	fclose(f);
}

/* A key file whose only fault is on line `line`. */
static void
kr_bad(const char *text, enum siprec_err want, unsigned int line,
    const char *needle)
{
	struct siprec_keyring *kr = (struct siprec_keyring *)&kr;
	struct siprec_diag d;
	char path[128], head[160];
	enum siprec_err e;

	snprintf(path, sizeof(path), "%s/bad.keys", dir);
	writefile(path, text);
	memset(&d, 0, sizeof(d));
	e = siprec_keyring_load(path, &kr, &d);
	if (e != want || d.line != line || strstr(d.detail, needle) == NULL)
		fprintf(stderr, "key file: got %d line %u \"%s\"\n", e,
		    d.line, d.detail);
	CHECK(e == want && kr == NULL);
	CHECK(d.line == line);
	snprintf(head, sizeof(head), "%s:%u: ", path, line);
	CHECK(strncmp(d.detail, head, strlen(head)) == 0);
	CHECK(strstr(d.detail, needle) != NULL);
}

static void
test_keyring(void)
{
	struct siprec_keyring *kr = NULL;
	const struct siprec_crypto *c;
	struct siprec_addr a4, a6;
	struct siprec_diag d;
	char path[128], text[4096], k30[80], k46[80], k28[80], big[1200];
	uint8_t k[46];

	mkkey(k, 30, 80);
	b64enc(k, 30, k30);
	mkkey(k, 46, 81);
	b64enc(k, 46, k46);
	mkkey(k, 28, 82);
	b64enc(k, 28, k28);

	snprintf(path, sizeof(path), "%s/good.keys", dir);
	snprintf(text, sizeof(text),
	    "# keys of the calls whose SIP went over TLS\n"
	    "\n"
	    "192.0.2.10:40000 AES_CM_128_HMAC_SHA1_80 inline:%s\n"
	    "  [2001:db8::1]:5004\tAES_256_CM_HMAC_SHA1_32 inline:%s|2^31"
	    "   # trailing comment\n"
	    "ssrc=0xDEADBEEF AEAD_AES_128_GCM inline:%s UNENCRYPTED_SRTCP\r\n"
	    "192.0.2.10:40002 AES_CM_128_HMAC_SHA1_32 inline:%s|1:2",
	    k30, k46, k28, k30);
	writefile(path, text);
	memset(&d, 0, sizeof(d));
	CHECK(siprec_keyring_load(path, &kr, &d) == SIPREC_OK);
	if (kr == NULL) {
		fprintf(stderr, "key file: %s\n", d.detail);
		return;
	}
	memset(&a4, 0, sizeof(a4));
	a4.family = 4;
	a4.ip[0] = 192;
	a4.ip[1] = 0;
	a4.ip[2] = 2;
	a4.ip[3] = 10;
	a4.port = 40000;
	memset(&a6, 0, sizeof(a6));
	a6.family = 6;
	a6.ip[0] = 0x20;
	a6.ip[1] = 0x01;
	a6.ip[2] = 0x0d;
	a6.ip[3] = 0xb8;
	a6.ip[15] = 1;
	a6.port = 5004;

	c = siprec_keyring_find(kr, &a4, 1);
	CHECK(c != NULL && strcmp(c->suite, "AES_CM_128_HMAC_SHA1_80") == 0);
	mkkey(k, 30, 80);
	CHECK(c != NULL && c->keylen == 30 && memcmp(c->key, k, 30) == 0);
	CHECK(c != NULL && c->tag == 0);
	c = siprec_keyring_find(kr, &a6, 1);
	CHECK(c != NULL && strcmp(c->suite, "AES_256_CM_HMAC_SHA1_32") == 0);
	/* The SSRC wins over the address. */
	c = siprec_keyring_find(kr, &a4, 0xdeadbeef);
	CHECK(c != NULL && strcmp(c->suite, "AEAD_AES_128_GCM") == 0 &&
	    c->unencrypted_srtcp);
	c = siprec_keyring_find(kr, NULL, 0xdeadbeef);
	CHECK(c != NULL && c->keylen == 28);
	a4.port = 40002;
	c = siprec_keyring_find(kr, &a4, 1);
	CHECK(c != NULL && c->mki_len == 2 && c->mki[1] == 1);
	a4.port = 40001;
	CHECK(siprec_keyring_find(kr, &a4, 1) == NULL);
	CHECK(siprec_keyring_find(kr, NULL, 1) == NULL);
	CHECK(siprec_keyring_find(NULL, &a4, 1) == NULL);
	siprec_keyring_free(kr);
	siprec_keyring_free(NULL);

	/* Errors name the file and the line. */
	snprintf(text, sizeof(text), "# ok\n192.0.2.300:5000 "
	    "AES_CM_128_HMAC_SHA1_80 inline:%s\n", k30);
	kr_bad(text, SIPREC_EPARSE, 2, "IPv4 address");
	snprintf(text, sizeof(text), "192.0.2.1 AES_CM_128_HMAC_SHA1_80 "
	    "inline:%s\n", k30);
	kr_bad(text, SIPREC_EPARSE, 1, "ssrc=0x");
	snprintf(text, sizeof(text), "\n\n192.0.2.1:0 AES_CM_128_HMAC_SHA1_80 "
	    "inline:%s\n", k30);
	kr_bad(text, SIPREC_EPARSE, 3, "port");
	snprintf(text, sizeof(text), "[2001:db8::1:5004 "
	    "AES_CM_128_HMAC_SHA1_80 inline:%s\n", k30);
	kr_bad(text, SIPREC_EPARSE, 1, "IPv6");
	snprintf(text, sizeof(text), "ssrc=DEADBEEF AES_CM_128_HMAC_SHA1_80 "
	    "inline:%s\n", k30);
	kr_bad(text, SIPREC_EPARSE, 1, "ssrc=0x");
	snprintf(text, sizeof(text), "ssrc=0x1234567890 "
	    "AES_CM_128_HMAC_SHA1_80 inline:%s\n", k30);
	kr_bad(text, SIPREC_EPARSE, 1, "hex");
	snprintf(text, sizeof(text), "ssrc=0x12 AES_256_CM_HMAC_SHA1_80 "
	    "inline:%s\n", k30);
	kr_bad(text, SIPREC_EPARSE, 1, "46 bytes");
	snprintf(text, sizeof(text), "ssrc=0x12 AES_CM_128_HMAC_SHA1_80 "
	    "inline:%s\n# again\nssrc=0x00000012 AES_CM_128_HMAC_SHA1_80 "
	    "inline:%s\n", k30, k30);
	kr_bad(text, SIPREC_EPARSE, 3, "line 1");
	snprintf(text, sizeof(text), "192.0.2.1:5000 F8_128_HMAC_SHA1_80 "
	    "inline:%s\n", k30);
	kr_bad(text, SIPREC_EUNSUPP, 1, "F8");
	snprintf(text, sizeof(text), "192.0.2.1:5000 AES_CM_128_HMAC_SHA1_80\n");
	kr_bad(text, SIPREC_EPARSE, 1, "key");
	memset(big, 'x', sizeof(big) - 2);
	big[sizeof(big) - 2] = '\n';
	big[sizeof(big) - 1] = '\0';
	snprintf(text, sizeof(text), "# fine\n%s", big);
	kr_bad(text, SIPREC_ETOOBIG, 2, "longer");

	memset(&d, 0, sizeof(d));
	snprintf(path, sizeof(path), "%s/absent.keys", dir);
	kr = (struct siprec_keyring *)&kr;
	CHECK(siprec_keyring_load(path, &kr, &d) == SIPREC_EIO && kr == NULL);
	CHECK(strstr(d.detail, "absent.keys") != NULL);
}

/* --- a real capture ----------------------------------------------------- */

/*
 * The SRTP sample that goes with Wireshark's SRTP decryption example:
 * one stream 10.1.1.1:10000 -> 10.2.2.2:10000, SSRC 0xDEADBEEF, PCMA,
 * with a published key.  Skipped when the corpus is not there.
 */
static void
test_marseillaise(void)
{
	static const char *const paths[] = { MARSEILLAISE };
	struct siprec_capture *cap = NULL;
	struct siprec_srtp *s;
	struct siprec_pkt p;
	struct siprec_rtp r;
	struct siprec_diag d;
	const struct siprec_srtp_stats *st;
	uint8_t buf[2048];
	uint64_t udp = 0, frames = 0, other = 0;
	size_t len;
	enum siprec_err e;

	if (access(MARSEILLAISE, R_OK) != 0) {
		printf("# skip marseillaise: %s absent\n", MARSEILLAISE);
		return;
	}
	s = ctx_from("1 AES_CM_128_HMAC_SHA1_80 "
	    "inline:aSBrbm93IGFsbCB5b3VyIGxpdHRsZSBzZWNyZXRz");
	memset(&d, 0, sizeof(d));
	CHECK(s != NULL);
	CHECK(siprec_capture_open(paths, 1, NULL, &cap, &d) == SIPREC_OK);
	if (s == NULL || cap == NULL) {
		siprec_srtp_free(s);
		siprec_capture_free(cap);
		return;
	}
	while ((e = siprec_capture_next(cap, &p, &d)) == SIPREC_OK) {
		if (p.kind != SIPREC_PKT_UDP || p.data.len > sizeof(buf))
			continue;
		udp++;
		if (p.src.port != 10000 || p.dst.port != 10000 ||
		    memcmp(p.dst.ip, "\x0a\x02\x02\x02", 4) != 0) {
			other++;
			continue;
		}
		memcpy(buf, p.data.p, p.data.len);
		len = p.data.len;
		if (siprec_srtp_unprotect(s, buf, &len) != SIPREC_OK)
			continue;
		if (siprec_rtp_parse(buf, len, &r) == SIPREC_OK &&
		    r.pt == 8 && r.payload.len == 160 && r.ssrc == 0xdeadbeef)
			frames++;
	}
	CHECK(e == SIPREC_ENOTFOUND);
	st = siprec_srtp_stats(s);
	printf("# marseillaise: %llu UDP, %llu ok, %llu auth failed, "
	    "%llu replay, %llu ROC guessed, %llu PCMA 160-byte frames\n",
	    (unsigned long long)udp, (unsigned long long)st->ok,
	    (unsigned long long)st->auth_failed,
	    (unsigned long long)st->replay,
	    (unsigned long long)st->roc_guessed, (unsigned long long)frames);
	CHECK(other == 0);
	CHECK(st->ok == 11888 && st->ok == udp);
	CHECK(st->auth_failed == 0 && st->replay == 0);
	CHECK(st->roc_guessed == 0);
	CHECK(frames == st->ok);
	siprec_capture_free(cap);
	siprec_srtp_free(s);
}

int
main(void)
{
	char cmd[128];

	snprintf(dir, sizeof(dir), "/tmp/test_srtp.XXXXXX");
	if (mkdtemp(dir) == NULL) {
		perror("mkdtemp");
		return 1;
	}
	if (srtp_init() != srtp_err_status_ok) {
		fprintf(stderr, "srtp_init failed\n");
		return 1;
	}
	test_parse_good();
	test_parse_bad();
	test_roundtrip();
	test_mki_params();
	test_wrap();
	test_late_start();
	test_keyring();
	test_marseillaise();
	snprintf(cmd, sizeof(cmd), "rm -rf %s", dir);
	if (system(cmd) != 0)
		fprintf(stderr, "cannot remove %s\n", dir);
	return CHECK_DONE();
}
