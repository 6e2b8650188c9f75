/* SPDX-License-Identifier: BSD-2-Clause */
/* libFuzzer harness: the metadata parser and every check, with state. */
#include <stddef.h>
#include <stdint.h>
#include <stdlib.h>

#include <siprec/meta.h>

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
	static struct siprec_meta_state *st;
	static unsigned int n;
	struct siprec_sink sink = { drop, NULL, SIPREC_PROFILE_STRICT, { 0 } };
	struct siprec_meta_input in = { { data, size }, 1, NULL, 0, 0, NULL, 0,
	    NULL };
	char *dump;
	size_t len;

	if (ctx == NULL && siprec_meta_ctx_new(NULL, &ctx, NULL) != SIPREC_OK)
		abort();
	/* A state that lives over a few inputs exercises the merge. */
	if (st == NULL || ++n % 8 == 0) {
		siprec_meta_state_free(st);
		if (siprec_meta_state_new(&st) != SIPREC_OK)
			abort();
	}
	(void)siprec_meta_check(ctx, &in, st, &sink, NULL, NULL);
	if (siprec_meta_state_dump(st, &dump, &len) == SIPREC_OK)
		free(dump);
	return 0;
}
