/* SPDX-License-Identifier: BSD-2-Clause */
/*
 * Fuzzer-found inputs (tests/data/fuzz-regress) through the SIP and
 * metadata paths, each in a heap buffer of exactly its size, as the fuzz
 * harness had it: under SAN=1 an over-read aborts the test.
 */
#include <dirent.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include <siprec/capture.h>
#include <siprec/meta.h>
#include <siprec/sipmsg.h>

#include "check.h"

#define DIR_ "tests/data/fuzz-regress"

static void
drop(void *arg, const struct siprec_finding *f)
{
	(void)arg;
	(void)f;
}

int
main(void)
{
	struct siprec_sink sink = { drop, NULL, SIPREC_PROFILE_STRICT, { 0 } };
	struct siprec_meta_ctx *ctx = NULL;
	struct dirent *de;
	DIR *d;
	int n = 0;

	CHECK(siprec_meta_ctx_new(NULL, &ctx, NULL) == SIPREC_OK);
	if ((d = opendir(DIR_)) == NULL) {
		CHECK(!"cannot open " DIR_);
		return CHECK_DONE();
	}
	while ((de = readdir(d)) != NULL) {
		char path[512];
		struct siprec_sipmsg *m = NULL;
		struct siprec_meta_input in;
		unsigned char *buf;
		long len;
		FILE *f;

		if (strchr(de->d_name, '-') == NULL)
			continue;
		snprintf(path, sizeof(path), "%s/%s", DIR_, de->d_name);
		if ((f = fopen(path, "rb")) == NULL)
			continue;
		fseek(f, 0, SEEK_END);
		len = ftell(f);
		rewind(f);
		buf = malloc(len > 0 ? (size_t)len : 1);
		CHECK(buf != NULL && fread(buf, 1, (size_t)len, f) ==
		    (size_t)len);
		fclose(f);
		n++;
		/* Capture inputs also go through the capture path, to the end. */
		if (strncmp(de->d_name, "capture-", 8) == 0) {
			const char *pp = path;
			struct siprec_capture *cap = NULL;
			struct siprec_pkt pk;
			enum siprec_err ce;

			if (siprec_capture_open(&pp, 1, NULL, &cap, NULL) ==
			    SIPREC_OK) {
				while ((ce = siprec_capture_next(cap, &pk, NULL)) ==
				    SIPREC_OK || ce == SIPREC_EPARSE)
					;
				CHECK(ce == SIPREC_ENOTFOUND);
				siprec_capture_free(cap);
			}
		}
		/* Whatever the verdict, the call returns normally. */
		if (siprec_sipmsg_parse(buf, (size_t)len, &sink, &m, NULL) ==
		    SIPREC_OK)
			siprec_sipmsg_free(m);
		memset(&in, 0, sizeof(in));
		in.xml.p = buf;
		in.xml.len = (size_t)len;
		in.line0 = 1;
		CHECK(siprec_meta_check(ctx, &in, NULL, &sink, NULL, NULL) ==
		    SIPREC_OK);
		free(buf);
	}
	closedir(d);
	CHECK(n >= 2);
	siprec_meta_ctx_free(ctx);
	return CHECK_DONE();
}
