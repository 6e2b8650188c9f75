/* SPDX-License-Identifier: BSD-2-Clause */
/* The SDP facts a recorder needs, from libosip2's SDP parser. */
#include <arpa/inet.h>
#include <ctype.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <strings.h>

#include <osipparser2/osip_parser.h>
#include <osipparser2/sdp_message.h>

#include <siprec/sdp.h>

#include "sip_int.h"

static void
set_addr(struct siprec_addr *a, const char *type, const char *ip, int *hold)
{
	struct in_addr v4;
	struct in6_addr v6;

	if (ip == NULL)
		return;
	if (type != NULL && strcasecmp(type, "IP6") == 0 &&
	    inet_pton(AF_INET6, ip, &v6) == 1) {
		a->family = 6;
		memcpy(a->ip, &v6, 16);
	} else if (inet_pton(AF_INET, ip, &v4) == 1) {
		a->family = 4;
		memset(a->ip, 0, sizeof(a->ip));
		memcpy(a->ip, &v4, 4);
		if (v4.s_addr == 0)
			*hold = 1;
	}
}

static enum siprec_dir
dir_of(const char *f, enum siprec_dir d)
{
	if (strcasecmp(f, "sendonly") == 0)
		return SIPREC_DIR_SENDONLY;
	if (strcasecmp(f, "recvonly") == 0)
		return SIPREC_DIR_RECVONLY;
	if (strcasecmp(f, "inactive") == 0)
		return SIPREC_DIR_INACTIVE;
	if (strcasecmp(f, "sendrecv") == 0)
		return SIPREC_DIR_SENDRECV;
	return d;
}

static void
static_pt(struct siprec_sdp_pt *p)
{
	static const struct { unsigned int pt; const char *enc; } t[] = {
		{ 0, "PCMU" }, { 8, "PCMA" }, { 9, "G722" }, { 18, "G729" },
		{ 13, "CN" }, { 3, "GSM" }, { 4, "G723" },
	};
	size_t i;

	for (i = 0; i < sizeof(t) / sizeof(t[0]); i++)
		if (t[i].pt == p->pt) {
			snprintf(p->enc, sizeof(p->enc), "%s", t[i].enc);
			p->clock = 8000;
			p->channels = 1;
		}
}

enum siprec_err
siprec_sdp_parse(const uint8_t *buf, size_t len, struct siprec_sdp *out,
    struct siprec_diag *diag)
{
	sdp_message_t *sdp = NULL;
	enum siprec_dir sdir = SIPREC_DIR_SENDRECV;
	const char *v;
	char *copy, *o, *mline;
	size_t i;
	int pos, k, r, shold = 0;
	struct siprec_addr saddr;

	memset(out, 0, sizeof(*out));
	memset(&saddr, 0, sizeof(saddr));
	siprec__osip_init();
	/*
	 * libosip2 wants CRLF line ends and a final CRLF, which multipart
	 * splitting removes (DESIGN.md): re-terminate a copy.
	 */
	if ((copy = malloc(2 * len + 3 + 7)) == NULL)
		return SIPREC_ENOMEM;
	for (i = 0, o = copy; i < len; i++) {
		if (buf[i] == '\0')
			break;
		if (buf[i] == '\n' && (i == 0 || buf[i - 1] != '\r'))
			*o++ = '\r';
		*o++ = (char)buf[i];
	}
	if (o == copy || o[-1] != '\n') {
		*o++ = '\r';
		*o++ = '\n';
	}
	*o = '\0';
	/*
	 * No t= line (OpenSIPS as SRC, SPEC 5): libosip2 refuses the SDP;
	 * read it as "t=0 0", the unbounded session of RFC 4566 5.9.
	 */
	if (strncmp(copy, "t=", 2) != 0 && strstr(copy, "\nt=") == NULL &&
	    (mline = strstr(copy, "\nm=")) != NULL) {
		memmove(mline + 8, mline + 1, strlen(mline + 1) + 1);
		memcpy(mline + 1, "t=0 0\r\n", 7);
	}
	if (sdp_message_init(&sdp) != 0) {
		free(copy);
		return SIPREC_ENOMEM;
	}
	r = sdp_message_parse(sdp, copy);
	free(copy);
	if (r != 0) {
		sdp_message_free(sdp);
		siprec_diag_set(diag, 0, 0, "libosip2 rejects the SDP (error %d)",
		    r);
		return SIPREC_EPARSE;
	}
	if ((v = sdp_message_o_sess_version_get(sdp)) != NULL)
		out->version = strtoull(v, NULL, 10);
	set_addr(&saddr, sdp_message_c_addrtype_get(sdp, -1, 0),
	    sdp_message_c_addr_get(sdp, -1, 0), &shold);
	for (k = 0; (v = sdp_message_a_att_field_get(sdp, -1, k)) != NULL; k++)
		sdir = dir_of(v, sdir);
	for (pos = 0; !sdp_message_endof_media(sdp, pos) &&
	    out->nm < SIPREC_SDP_MAX_MEDIA; pos++) {
		struct siprec_sdp_m *m = &out->m[out->nm++];
		const char *port, *pt;

		snprintf(m->type, sizeof(m->type), "%s",
		    sdp_message_m_media_get(sdp, pos) ?
		    sdp_message_m_media_get(sdp, pos) : "");
		snprintf(m->proto, sizeof(m->proto), "%s",
		    sdp_message_m_proto_get(sdp, pos) ?
		    sdp_message_m_proto_get(sdp, pos) : "");
		m->addr = saddr;
		m->hold = shold;
		if (sdp_message_c_addr_get(sdp, pos, 0) != NULL) {
			m->hold = 0;
			set_addr(&m->addr, sdp_message_c_addrtype_get(sdp, pos,
			    0), sdp_message_c_addr_get(sdp, pos, 0), &m->hold);
		}
		port = sdp_message_m_port_get(sdp, pos);
		m->addr.port = port ? (uint16_t)strtoul(port, NULL, 10) : 0;
		m->dir = sdir;
		for (k = 0; (pt = sdp_message_m_payload_get(sdp, pos, k)) !=
		    NULL && m->npt < SIPREC_SDP_MAX_PT; k++) {
			struct siprec_sdp_pt *p = &m->pts[m->npt++];

			p->pt = (unsigned int)strtoul(pt, NULL, 10);
			static_pt(p);
		}
		for (k = 0; (v = sdp_message_a_att_field_get(sdp, pos, k)) !=
		    NULL; k++) {
			const char *val = sdp_message_a_att_value_get(sdp, pos,
			    k);

			m->dir = dir_of(v, m->dir);
			if (strcasecmp(v, "label") == 0 && val != NULL)
				snprintf(m->label, sizeof(m->label), "%s", val);
			else if (strcasecmp(v, "rtcp-mux") == 0)
				m->rtcp_mux = 1;
			else if (strcasecmp(v, "crypto") == 0 && val != NULL &&
			    m->ncrypto < SIPREC_SDP_MAX_CRYPTO)
				snprintf(m->crypto[m->ncrypto++],
				    sizeof(m->crypto[0]), "%s", val);
			else if (strcasecmp(v, "rtpmap") == 0 && val != NULL) {
				unsigned int n, clock = 0, ch = 1;
				char enc[24];
				unsigned int j;

				if (sscanf(val, "%u %23[^/]/%u/%u", &n, enc,
				    &clock, &ch) < 3)
					continue;
				for (j = 0; j < m->npt; j++)
					if (m->pts[j].pt == n) {
						snprintf(m->pts[j].enc,
						    sizeof(m->pts[j].enc), "%s",
						    enc);
						m->pts[j].clock = clock;
						m->pts[j].channels = ch;
					}
			}
		}
	}
	sdp_message_free(sdp);
	return SIPREC_OK;
}
