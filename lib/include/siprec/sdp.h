/* SPDX-License-Identifier: BSD-2-Clause */
/* The SDP facts a recorder needs, from libosip2's SDP parser. */
#ifndef SIPREC_SDP_H
#define SIPREC_SDP_H

#include <stddef.h>
#include <stdint.h>
#include <siprec/err.h>
#include <siprec/capture.h>

#define SIPREC_SDP_MAX_MEDIA	16
#define SIPREC_SDP_MAX_PT	16
#define SIPREC_SDP_MAX_CRYPTO	4

enum siprec_dir {
	SIPREC_DIR_SENDRECV = 0,
	SIPREC_DIR_SENDONLY,
	SIPREC_DIR_RECVONLY,
	SIPREC_DIR_INACTIVE
};

struct siprec_sdp_pt {
	unsigned int	 pt;
	char		 enc[24];	/* "PCMU"; "" when no rtpmap (static) */
	unsigned int	 clock;
	unsigned int	 channels;
};

struct siprec_sdp_m {
	char			 type[16];	/* audio, video, ... */
	struct siprec_addr	 addr;		/* c= (media or session) + port */
	int			 hold;		/* c=0.0.0.0 (RFC 3264 8.4) */
	char			 proto[24];	/* RTP/AVP, RTP/SAVP, ... */
	enum siprec_dir		 dir;		/* media, else session level */
	char			 label[64];	/* a=label (RFC 4574) or "" */
	int			 rtcp_mux;
	struct siprec_sdp_pt	 pts[SIPREC_SDP_MAX_PT];
	unsigned int		 npt;
	char			 crypto[SIPREC_SDP_MAX_CRYPTO][160]; /* values */
	unsigned int		 ncrypto;
};

struct siprec_sdp {
	unsigned long long	 version;	/* o= session version */
	struct siprec_sdp_m	 m[SIPREC_SDP_MAX_MEDIA];
	unsigned int		 nm;
};

/*
 * Parse an SDP body (LF or CRLF line ends).  Static payload types 0, 8,
 * 9 and 18 get their RFC 3551 names when no rtpmap names them.
 */
enum siprec_err	siprec_sdp_parse(const uint8_t *, size_t, struct siprec_sdp *,
		    struct siprec_diag *);

#endif
