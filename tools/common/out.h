/* SPDX-License-Identifier: BSD-2-Clause */
/* Findings printed as text, JSON Lines or SARIF from the same calls. */
#ifndef SIPREC_TOOLS_OUT_H
#define SIPREC_TOOLS_OUT_H

#include <stdio.h>

#include <siprec/check.h>
#include <siprec/json.h>
#include <siprec/meta.h>

enum out_mode {
	OUT_TEXT = 0,
	OUT_JSON,
	OUT_SARIF
};

struct out {
	FILE		*data;		/* stdout, or a worker's buffer */
	FILE		*diag;		/* stderr, or a worker's buffer */
	enum out_mode	 mode;
	int		 quiet;
	enum siprec_sev	 level;		/* report at or above */
	const char	*prog;
	const char	*version;
	unsigned long	 count[SIPREC_SEV_FATAL + 1];	/* reported */
	unsigned long	 nresults;
};

void	out_begin(struct out *);
/* One finding in file (part: 0 for the whole input, else 1-based). */
void	out_finding(struct out *, const char *file,
	    const struct siprec_finding *);
/* The summary of one checked document (JSON mode only). */
void	out_document(struct out *, const char *file, unsigned int line,
	    const struct siprec_meta_summary *);
void	out_end(struct out *);

#endif
