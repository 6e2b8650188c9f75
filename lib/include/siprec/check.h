/* SPDX-License-Identifier: BSD-2-Clause */
/* The one catalogue of metadata and message checks, and the finding sink. */
#ifndef SIPREC_CHECK_H
#define SIPREC_CHECK_H

#include <stddef.h>

enum siprec_sev {
	SIPREC_SEV_INFO = 0,
	SIPREC_SEV_WARNING,
	SIPREC_SEV_ERROR,
	SIPREC_SEV_FATAL,	/* the input cannot be used at all */
	SIPREC_SEV_OFF		/* not a severity: disables a check */
};

#define I_ SIPREC_SEV_INFO
#define W_ SIPREC_SEV_WARNING
#define E_ SIPREC_SEV_ERROR
#define F_ SIPREC_SEV_FATAL

/*
 * X(enum, rule, name, strict severity, lenient severity, reference, text)
 *
 * This table is the single source for the enum, the messages,
 * --list-checks and the DIAGNOSTICS section of siprec-meta-lint(1).
 * Entries may be appended anywhere, but a published "rule/name" identifier
 * never changes meaning.  The references are to RFC 7865 unless named.
 */
#define SIPREC_CHECKS(X)						\
X(IN_UNRECOGNISED, "IN", "unrecognised", F_, F_, "-",			\
  "input is neither an XML document nor a SIP message")		\
X(IN_EMPTY, "IN", "empty", F_, F_, "-",					\
  "input is empty")							\
X(IN_TOO_LARGE, "IN", "too-large", F_, F_, "-",				\
  "input exceeds the size limit")					\
X(IN_NO_METADATA, "IN", "no-metadata", W_, W_, "RFC 7866 9.1",		\
  "SIP message carries no recording metadata")				\
X(SIP_PARSE, "SIP", "parse", F_, F_, "RFC 3261 7",			\
  "SIP message cannot be parsed")					\
X(SIP_CONTENT_LENGTH, "SIP", "content-length", W_, W_, "RFC 3261 20.14",	\
  "Content-Length does not match the body")				\
X(SIP_MULTIPART, "SIP", "multipart", E_, W_, "RFC 5621 4; RFC 2046 5.1",	\
  "multipart body is malformed")					\
X(L01_NOT_WELL_FORMED, "L-01", "not-well-formed", E_, E_, "5.1",	\
  "metadata is not well-formed XML")					\
X(L01_CHARSET, "L-01", "charset", W_, W_, "5.1",				\
  "charset parameter and XML encoding declaration differ; charset wins")	\
X(L01_DTD, "L-01", "dtd", E_, E_, "5.1",					\
  "document type declarations are not allowed in metadata")		\
X(L02_ROOT, "L-02", "root", E_, E_, "5.1.2",				\
  "root element is not recording or requestsnapshot")			\
X(L02_NAMESPACE, "L-02", "namespace", E_, E_, "5.1.2, 6.11",		\
  "root element is not in urn:ietf:params:xml:ns:recording:1")		\
X(L02_DIALECT, "L-02", "dialect", E_, W_, "5.1.2, 6.11",		\
  "pre-RFC vendor dialect of recording metadata")			\
X(L03_XML_DECL, "L-03", "xml-decl", W_, I_, "5.1",			\
  "no XML declaration with an encoding")				\
X(L04_SCHEMA, "L-04", "schema", E_, E_, "9",				\
  "not valid against the RFC 7865 schema")				\
X(L04_ORDER, "L-04", "order", E_, W_, "9",				\
  "element out of the order the schema requires")			\
X(L04_MISSING, "L-04", "missing", E_, E_, "9",				\
  "required element or attribute is missing")				\
X(L04_ATTRIBUTE, "L-04", "attribute", E_, W_, "9",			\
  "attribute not allowed by the schema")				\
X(L05_DATAMODE, "L-05", "datamode", E_, E_, "5.1.2",			\
  "datamode is neither complete nor partial")				\
X(L05_DATAMODE_CASE, "L-05", "datamode-spelling", E_, W_, "5.1.2, 9",	\
  "element spelled dataMode; the schema element is datamode")		\
X(L06_BASE64, "L-06", "base64", E_, W_, "6.10, 9",			\
  "identifier is not base64Binary")					\
X(L07_NOT_UUID, "L-07", "not-uuid", W_, I_, "6.10",			\
  "identifier does not decode to a 16-byte UUID")			\
X(L07_UUID_TEXT, "L-07", "uuid-text", W_, I_, "6.10",			\
  "identifier is base64 of printable text, not of UUID bytes")		\
X(L07_VARIANT, "L-07", "uuid-variant", W_, I_, "6.10; RFC 4122 4.1.1",	\
  "UUID does not have the RFC 4122 variant")				\
X(L07_VERSION, "L-07", "uuid-version", W_, I_, "6.10; RFC 4122 4.1.3",	\
  "UUID version is not 1, 3, 4 or 5")					\
X(L07_MAC, "L-07", "uuid-mac", W_, W_, "6.10; RFC 4122 4.5",		\
  "version 1 UUID with a unicast node: probably a MAC address (PII)")	\
X(L08_DUPLICATE, "L-08", "duplicate-id", E_, E_, "6.10",		\
  "two elements of one kind share an identifier")			\
X(L09_ID_CLASH, "L-09", "id-kind-clash", E_, E_, "6.10",		\
  "one identifier names elements of different kinds")			\
X(L10_DANGLING, "L-10", "dangling-ref", E_, W_, "6; RFC 7866 9.2",	\
  "reference to an identifier that is not defined")			\
X(L11_PARTIAL_FIRST, "L-11", "partial-first", E_, E_, "RFC 7866 9.1",	\
  "partial update with no prior complete snapshot")			\
X(L12_SNAPSHOT, "L-12", "snapshot-not-complete", E_, E_, "RFC 7866 9.2",	\
  "document after a snapshot request is not a complete snapshot")	\
X(L13_TIME_FORMAT, "L-13", "time-format", E_, E_, "6.9; RFC 3339 5.6",	\
  "time is not an RFC 3339 date-time")					\
X(L13_TIME_OFFSET, "L-13", "time-offset", W_, I_, "6.9; RFC 3339 5.6",	\
  "time has no UTC offset")						\
X(L13_TIME_CASE, "L-13", "time-case", E_, W_, "6.9",			\
  "T and Z in a time must be upper case")				\
X(L13_TIME_ORDER, "L-13", "time-order", E_, E_, "6.9",			\
  "end time is before start time")					\
X(L13_TIME_OUTSIDE, "L-13", "time-outside", W_, I_, "6.9",		\
  "association time lies outside the session's start and stop")	\
X(L14_CAUSE, "L-14", "reason-cause", W_, W_, "6.3.1; RFC 3326",	\
  "reason cause is not plausible for its protocol")			\
X(L15_AOR, "L-15", "aor", W_, W_, "6.5.1",				\
  "aor is not a SIP, SIPS or tel URI, host name or address")		\
X(L15_AOR_BARE, "L-15", "aor-no-scheme", W_, I_, "6.5.1",		\
  "aor is user@host without a URI scheme")				\
X(L16_LANG, "L-16", "lang", W_, W_, "9; BCP 47",			\
  "xml:lang is not a BCP 47 language tag")				\
X(L17_SESSION_ID, "L-17", "sip-session-id", I_, I_, "6.3.1; RFC 7989",	\
  "sipSessionID is not an RFC 7989 Session-ID value")			\
X(L18_LABEL_DUP, "L-18", "label-duplicate", E_, E_, "RFC 7866 7.1.1",	\
  "two streams carry the same label")					\
X(L18_LABEL_SDP, "L-18", "label-not-in-sdp", E_, W_, "RFC 7866 7.1.1, 9.1", \
  "stream label has no a=label in the SDP of the same message")	\
X(L18_SDP_NO_LABEL, "L-18", "sdp-no-label", E_, W_, "RFC 7866 7.1.1",	\
  "SDP media line has no a=label")					\
X(L18_SDP_UNDESCRIBED, "L-18", "sdp-label-undescribed", W_, I_,	\
  "RFC 7866 7.1.1",							\
  "labelled SDP media line is not described by any stream")		\
X(L19_LABEL_NO_OFFER, "L-19", "label-without-sdp", E_, W_, "RFC 7866 9.1", \
  "metadata references labels but the message has no SDP")		\
X(L20_STREAM_MOVED, "L-20", "stream-moved", W_, W_, "6.7",		\
  "a stream moved to another session")					\
X(L20_GROUP_CHANGED, "L-20", "group-changed", W_, W_, "6.3.2",		\
  "a session changed its group")					\
X(L21_UNQUALIFIED, "L-21", "ext-unqualified", E_, W_, "8, 9",		\
  "extension element has no namespace")					\
X(L21_RFC_NS, "L-21", "unknown-element", E_, W_, "9",			\
  "unknown element in the RFC 7865 namespace")				\
X(L22_SEND_DUP, "L-22", "send-recv-duplicate", W_, W_, "6.8",		\
  "stream listed twice in one participantstreamassoc")			\
X(L22_PSA_DUP, "L-22", "psa-duplicate", W_, W_, "6.8",			\
  "several participantstreamassoc for one participant")		\
X(L23_STREAM_NO_SENDER, "L-23", "stream-no-sender", I_, I_, "6.7, 6.8",	\
  "stream is sent by no participant")					\
X(L23_PARTICIPANT_NO_SESSION, "L-23", "participant-no-session", I_, I_,	\
  "6.5, 6.6",								\
  "participant is associated with no session")				\
X(L23_SESSION_NO_ASSOC, "L-23", "session-no-assoc", I_, I_, "6.3.2, 6.4", \
  "session has no sessionrecordingassoc")				\
X(L24_CONTENT_TYPE, "L-24", "content-type", E_, W_, "RFC 7866 9; 5",	\
  "metadata part has a Content-Type other than rs-metadata")		\
X(L24_DISPOSITION, "L-24", "disposition", W_, I_, "RFC 7866 9.1, 9.2",	\
  "metadata part lacks Content-Disposition: recording-session")		\
X(L24_REQUIRE, "L-24", "require-siprec", E_, W_, "RFC 7866 6.1.1",	\
  "INVITE lacks the siprec option tag in Require")			\
X(L24_FEATURE_TAG, "L-24", "feature-tag", E_, W_, "RFC 7866 6.1.1, 6.2", \
  "Contact lacks the +sip.src or +sip.srs feature tag")		\
X(L24_SNAPSHOT_REQ, "L-24", "requestsnapshot-carrier", E_, E_,		\
  "RFC 7866 9.2",							\
  "requestsnapshot must come in an UPDATE request without SDP")	\
X(L25_NO_SESSION, "L-25", "no-session", I_, I_, "6.1.2; RFC 7866 10",	\
  "complete snapshot describes no session (persistent recording)")

enum siprec_check {
#define SIPREC_X_ENUM(e, r, n, s, l, ref, t) SIPREC_CHK_##e,
	SIPREC_CHECKS(SIPREC_X_ENUM)
#undef SIPREC_X_ENUM
	SIPREC_CHK__COUNT
};

#undef I_
#undef W_
#undef E_
#undef F_

struct siprec_check_info {
	const char	*rule;		/* "L-13" */
	const char	*name;		/* "time-offset" */
	enum siprec_sev	 strict;
	enum siprec_sev	 lenient;
	const char	*ref;		/* "6.9; RFC 3339 5.6" */
	const char	*text;
};

/* The catalogue entry of a check; NULL if out of range. */
const struct siprec_check_info *siprec_check_info(enum siprec_check);

/* Find a check by "rule/name" or by "rule" (first match); -1 if unknown. */
int		 siprec_check_lookup(const char *);

/* "info", "warning", "error", "fatal"; and back (-1 if unknown). */
const char	*siprec_sev_name(enum siprec_sev);
int		 siprec_sev_parse(const char *);

enum siprec_profile {
	SIPREC_PROFILE_STRICT = 0,
	SIPREC_PROFILE_LENIENT
};

/* One finding: what was found, where, and a detail line. */
struct siprec_finding {
	enum siprec_check	 check;
	enum siprec_sev		 sev;
	unsigned int		 line;	/* 1-based in the input file; 0 unknown */
	unsigned int		 col;
	const char		*detail; /* valid during the callback only */
};

/*
 * Where findings go.  The library calls emit once per finding, in input
 * order; it never prints.  sev is already mapped through the profile and
 * the per-check overrides in sev_override (SIPREC_SEV_OFF drops a check).
 */
struct siprec_sink {
	void			(*emit)(void *arg, const struct siprec_finding *);
	void			*arg;
	enum siprec_profile	 profile;
	unsigned char		 sev_override[SIPREC_CHK__COUNT]; /* 0 = none, else sev+1 */
};

/* Report a finding through sink (NULL sink: dropped). */
void	siprec_report(const struct siprec_sink *, enum siprec_check,
	    unsigned int line, unsigned int col, const char *fmt, ...)
	    __attribute__((format(printf, 5, 6)));

#endif
