/* SPDX-License-Identifier: BSD-2-Clause */
/* The unit-test harness: CHECK reports file:line and keeps going. */
#ifndef SIPREC_TEST_CHECK_H
#define SIPREC_TEST_CHECK_H

#include <stdio.h>

static int check_failed, check_passed;

#define CHECK(expr) do {						\
	if (expr)							\
		check_passed++;						\
	else {								\
		check_failed++;						\
		fprintf(stderr, "%s:%d: CHECK failed: %s\n",		\
		    __FILE__, __LINE__, #expr);				\
	}								\
} while (0)

/*
 * For loops over many iterations (packets, samples, timers): count the
 * failures of expr in the int bad, printing the first, and CHECK(bad == 0)
 * once after the loop, so the tally counts assertions, not iterations.
 */
#define TALLY(bad, expr) do {						\
	if (!(expr) && (bad)++ == 0)					\
		fprintf(stderr, "%s:%d: failed (first of the loop): %s\n", \
		    __FILE__, __LINE__, #expr);				\
} while (0)

/* Print the tally in the project's form and give the exit status. */
#define CHECK_DONE() (printf("%d passed, %d failed\n", check_passed,	\
	check_failed), check_failed ? 1 : 0)

#endif
