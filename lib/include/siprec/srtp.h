/* SPDX-License-Identifier: BSD-2-Clause */
/* SDES crypto attributes, SRTP decryption of recorded media, key files. */
#ifndef SIPREC_SRTP_H
#define SIPREC_SRTP_H

#include <stddef.h>
#include <stdint.h>
#include <siprec/capture.h>
#include <siprec/err.h>

#define SIPREC_SRTP_KEY_MAX	46	/* AES-256 key + 112-bit salt */
#define SIPREC_SRTP_MKI_MAX	128	/* RFC 4568 6.1 */
#define SIPREC_SRTP_PKT_MAX	65535	/* one UDP payload */

/*
 * One SDES crypto attribute (RFC 4568 9.1):
 * "<tag> <suite> inline:<key||salt base64>[|lifetime][|MKI:len] [params]".
 * Holds key material: wipe it with siprec_crypto_wipe() when done.
 */
struct siprec_crypto {
	unsigned int	 tag;		/* 0 for a key-file entry */
	char		 suite[40];	/* canonical, "AES_CM_128_HMAC_SHA1_80" */
	uint8_t		 key[SIPREC_SRTP_KEY_MAX];	/* master key || salt */
	size_t		 keylen;
	unsigned int	 mki_len;	/* bytes; 0 when there is no MKI */
	uint8_t		 mki[SIPREC_SRTP_MKI_MAX];	/* big-endian value */
	int		 unencrypted_srtp;	/* session parameters (6.3) */
	int		 unencrypted_srtcp;
	int		 unauthenticated_srtp;
};

/*
 * Parse the value of an a=crypto attribute (the text after "a=crypto:").
 * Suites and decoded key lengths follow SPEC 8: AES_CM_128_HMAC_SHA1_80
 * and _32 (30 bytes), AES_192_CM_HMAC_SHA1_80 and _32 (38),
 * AES_256_CM_HMAC_SHA1_80 and _32 (46), AEAD_AES_128_GCM (28) and
 * AEAD_AES_256_GCM (44); suite names are matched without regard to case.
 * The lifetime is checked, not kept.  Session parameters KDR, FEC_ORDER,
 * FEC_KEY and WSH are checked and ignored, except that a KDR makes the
 * attribute unsupported; unknown ones starting with '-' are ignored.
 *
 * SIPREC_EPARSE: malformed (bad tag, base64, key length, lifetime, MKI,
 * unknown session parameter).  SIPREC_EUNSUPP: well formed but not
 * decryptable here (F8 or unknown suite, KDR, several keys).
 * SIPREC_ETOOBIG: longer than 1024 characters.  On any failure *out is
 * wiped; diag, if given, has the 1-based column and the reason.
 */
enum siprec_err	siprec_crypto_parse(const char *attr_value,
		    struct siprec_crypto *out, struct siprec_diag *);

/* Wipe the key material in c (explicit_bzero); c may be NULL. */
void		siprec_crypto_wipe(struct siprec_crypto *c);

struct siprec_srtp;

struct siprec_srtp_stats {
	uint64_t	 ok;		/* packets authenticated and decrypted */
	uint64_t	 auth_failed;	/* failed authentication or unusable */
	uint64_t	 replay;	/* seen before or too old for the window */
	uint64_t	 roc_guessed;	/* streams whose ROC was found by search */
};

/*
 * A receive context for the media one key protects: any number of SSRCs
 * (libsrtp2 ssrc_any_inbound), SRTP and SRTCP, replay window 4096.  The
 * context keeps its own copy of the key; c may be wiped afterwards.
 * SIPREC_EUNSUPP for a suite it cannot decrypt, or for UNENCRYPTED_SRTP
 * or UNAUTHENTICATED_SRTP with an AEAD suite; SIPREC_EINVAL for a key of
 * the wrong length.  On failure *out is NULL.
 */
enum siprec_err	siprec_srtp_new(const struct siprec_crypto *c,
		    struct siprec_srtp **out, struct siprec_diag *);

/*
 * Authenticate and decrypt one packet in place: pkt[0..*len) on entry,
 * the RTP or RTCP packet in pkt[0..*len) on return (tag, MKI and SRTCP
 * index removed).  RTCP is told from RTP by the RFC 5761 4 rule and
 * handled as SRTCP.  pkt needs no alignment.
 *
 * SIPREC_OK: decrypted.  SIPREC_EPARSE: not authentic, a replay, or not
 * SRTP at all; counted in the stats, pkt left as it was, and the context
 * is fine for the next packet.  SIPREC_ENOMEM: no memory for the work
 * buffer or a rollover search.  SIPREC_EINVAL: NULL arguments.
 *
 * Rollover (RFC 3711 3.3.1, SPEC T-21): the index of the first packet
 * of an SSRC is taken with ROC 0; if a packet fails authentication before
 * any RTP packet of its SSRC has passed, ROC 1 to 3 are tried and the one
 * that authenticates is kept (stats roc_guessed).  Up to 32 such searches
 * per context, so a wrong key costs little.
 */
enum siprec_err	siprec_srtp_unprotect(struct siprec_srtp *, uint8_t *pkt,
		    size_t *len);

const struct siprec_srtp_stats *
		siprec_srtp_stats(const struct siprec_srtp *);

/* Free the context and wipe its keys; NULL is a no-op. */
void		siprec_srtp_free(struct siprec_srtp *);

/*
 * Keys given on the side (--keys FILE), for calls whose SDP is not in the
 * capture (SIP over TLS).  One key a line, either
 *	<dst-ip>:<port> <suite> inline:<base64>[|...] [params]
 *	ssrc=0x<hex> <suite> inline:<base64>[|...] [params]
 * where dst is where the media is sent ("[2001:db8::1]:5004" for IPv6)
 * and everything after the selector is a crypto attribute without its
 * tag.  Blank lines and comments ('#' at the start of a line or after
 * white space) are ignored.  A selector given twice is an error.
 */
struct siprec_keyring;

/*
 * Load a key file.  Errors: SIPREC_EIO (cannot read), SIPREC_EPARSE or
 * SIPREC_EUNSUPP (a bad line), SIPREC_ETOOBIG (a line over 1024
 * characters, more than 65536 keys); diag has line and column and its
 * detail starts with "path:line: ".  On failure *out is NULL and every
 * key read so far is wiped.
 */
enum siprec_err	siprec_keyring_load(const char *path,
		    struct siprec_keyring **out, struct siprec_diag *);

/*
 * The key for a packet: an ssrc= entry for ssrc first, then an entry for
 * the destination dst (may be NULL).  NULL when none matches.  The result
 * is owned by the keyring.
 */
const struct siprec_crypto *
		siprec_keyring_find(const struct siprec_keyring *,
		    const struct siprec_addr *dst, uint32_t ssrc);

/* Free the keyring and wipe its keys; NULL is a no-op. */
void		siprec_keyring_free(struct siprec_keyring *);

#endif
