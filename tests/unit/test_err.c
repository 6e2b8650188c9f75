/* SPDX-License-Identifier: BSD-2-Clause */
/* Unit tests of error codes, number parsing and the check catalogue. */
#include <string.h>

#include <siprec/check.h>
#include <siprec/err.h>

#include "check.h"

int
main(void)
{
	uint64_t v = 7;
	int i, j;

	CHECK(siprec_parse_u64("4M", 1, 1u << 30, 1, &v) == SIPREC_OK &&
	    v == 4u << 20);
	CHECK(siprec_parse_u64("12", 1, 10, 0, &v) == SIPREC_EINVAL && v ==
	    4u << 20);
	CHECK(siprec_parse_u64("-1", 0, 10, 0, &v) == SIPREC_EINVAL);
	CHECK(siprec_parse_u64("4M", 1, 1u << 30, 0, &v) == SIPREC_EINVAL);
	CHECK(siprec_parse_u64("99999999999999999999", 0, UINT64_MAX, 0, &v) ==
	    SIPREC_EINVAL);
	CHECK(strcmp(siprec_strerror(SIPREC_ENOMEM), "out of memory") == 0);
	CHECK(siprec_strerror((enum siprec_err)999) != NULL);

	CHECK(siprec_check_lookup("L-13/time-offset") ==
	    SIPREC_CHK_L13_TIME_OFFSET);
	CHECK(siprec_check_lookup("l-13") == SIPREC_CHK_L13_TIME_FORMAT);
	CHECK(siprec_check_lookup("L-99") == -1);
	CHECK(siprec_sev_parse("warning") == SIPREC_SEV_WARNING);
	CHECK(siprec_sev_parse("loud") == -1);
	/* Every check has a unique identifier, text and reference. */
	for (i = 0; i < SIPREC_CHK__COUNT; i++) {
		const struct siprec_check_info *a = siprec_check_info(i);

		CHECK(a->text[0] != '\0' && a->ref[0] != '\0');
		for (j = i + 1; j < SIPREC_CHK__COUNT; j++) {
			const struct siprec_check_info *b = siprec_check_info(j);

			if (strcmp(a->rule, b->rule) == 0 &&
			    strcmp(a->name, b->name) == 0)
				CHECK(!"duplicate check identifier");
		}
	}
	CHECK(siprec_check_info(SIPREC_CHK__COUNT) == NULL);
	return CHECK_DONE();
}
