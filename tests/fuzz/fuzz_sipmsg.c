/* SPDX-License-Identifier: BSD-2-Clause */
/* libFuzzer harness: SIP message input path, as siprec-meta-lint runs it. */
#include <stddef.h>
#include <stdint.h>
#include <stdlib.h>

#include <siprec/meta.h>
#include <siprec/sipmsg.h>

static void
drop(void *arg, const struct siprec_finding *f)
{
	(void)arg;
	(void)f;
}

int LLVMFuzzerTestOneInput(const uint8_t *data, size_t size);

int
LLVMFuzzerTestOneInput(const uint8_t *data, size_t size)
{
	static struct siprec_meta_ctx *ctx;
	struct siprec_sink sink = { drop, NULL, SIPREC_PROFILE_STRICT, { 0 } };
	struct siprec_sipmsg *m = NULL;
	struct siprec_meta_summary sum;
	size_t i;

	if (ctx == NULL && siprec_meta_ctx_new(NULL, &ctx, NULL) != SIPREC_OK)
		abort();
	(void)siprec_sipmsg_sniff(data, size);
	if (siprec_sipmsg_parse(data, size, &sink, &m, NULL) != SIPREC_OK)
		return 0;
	for (i = 0; i < m->nparts; i++) {
		struct siprec_meta_input in = { m->parts[i].body,
		    m->parts[i].line, NULL, 1, m->has_sdp, m->media, m->nmedia,
		    m->request ? m->method : NULL };

		if (!m->parts[i].metadata)
			continue;
		(void)siprec_meta_check(ctx, &in, NULL, &sink, &sum, NULL);
		siprec_sipmsg_check(m, i, sum.snapshot, &sink);
	}
	siprec_sipmsg_free(m);
	return 0;
}
