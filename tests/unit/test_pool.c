/* SPDX-License-Identifier: BSD-2-Clause */
/* Unit tests of the pool of per-call and per-stream state (lib/pool.c). */
#include <pthread.h>
#include <stdint.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include "../../lib/pool_int.h"
#include "check.h"

#define MIB2		((uintptr_t)2 * 1024 * 1024)
#define NOBJ		600		/* of 5,888 bytes: two regions */
#define NTHREAD		4
#define ROUNDS		2000

/*
 * Whether the mapping holding p may have huge pages, from /proc/self/smaps
 * ("THPeligible: 1"); -1 when that cannot be told.
 */
static int
thp_eligible(const void *p)
{
	FILE *f;
	char line[256];
	unsigned long lo, hi;
	int in = 0, r = -1, v;

	if ((f = fopen("/proc/self/smaps", "r")) == NULL)
		return -1;
	while (fgets(line, sizeof(line), f) != NULL) {
		if (sscanf(line, "%lx-%lx ", &lo, &hi) == 2 &&
		    strchr(line, '-') < strchr(line, ' ')) {
			in = (uintptr_t)p >= lo && (uintptr_t)p < hi;
			continue;
		}
		if (in && sscanf(line, "THPeligible: %d", &v) == 1) {
			r = v;
			break;
		}
	}
	fclose(f);
	return r;
}

/* Whether the system gives huge pages to memory that asks for them. */
static int
thp_on(void)
{
	FILE *f;
	char buf[128];
	int on = 0;

	if ((f = fopen("/sys/kernel/mm/transparent_hugepage/enabled", "r")) ==
	    NULL)
		return 0;
	if (fgets(buf, sizeof(buf), f) != NULL)
		on = strstr(buf, "[always]") != NULL ||
		    strstr(buf, "[madvise]") != NULL;
	fclose(f);
	return on;
}

static void *
churn(void *arg)
{
	unsigned int i, seed = (unsigned int)(uintptr_t)arg;
	unsigned char *p, *q;
	int bad = 0;

	for (i = 0; i < ROUNDS; i++) {
		size_t n = 32768;

		p = siprec__pool_get(n);
		q = siprec__pool_get(n);
		if (p == NULL || q == NULL) {
			bad++;
			break;
		}
		memset(p, (int)(seed & 0xff), n);
		memset(q, (int)(~seed & 0xff), n);
		if (p[0] != (seed & 0xff) || p[n - 1] != (seed & 0xff) ||
		    q[n / 2] != (~seed & 0xff))
			bad++;
		siprec__pool_put(p, n);
		siprec__pool_put(q, n);
	}
	return (void *)(uintptr_t)bad;
}

int
main(void)
{
	static unsigned char *obj[NOBJ];
	pthread_t th[NTHREAD];
	unsigned char *p, *q;
	void *ret;
	size_t i, j;
	int bad, e;

	/* The first object starts a region: 2 MiB-aligned, advised. */
	p = siprec__pool_get(5888);
	CHECK(p != NULL);
	if (siprec__pool_regions()) {
		CHECK(((uintptr_t)p & (MIB2 - 1)) == 0);
		if (thp_on() && (e = thp_eligible(p)) >= 0)
			CHECK(e == 1);
		else
			printf("# transparent huge pages off or not shown: "
			    "not checked\n");
	}
	obj[0] = p;

	/* Live objects never overlap, across regions; each keeps its bytes. */
	for (i = 1; i < NOBJ; i++)
		obj[i] = siprec__pool_get(5888);
	bad = 0;
	for (i = 0; i < NOBJ; i++) {
		TALLY(bad, obj[i] != NULL);
		if (obj[i] != NULL) {
			memset(obj[i], (int)(i & 0xff), 5888);
			TALLY(bad, ((uintptr_t)obj[i] & 63) == 0);
		}
	}
	CHECK(bad == 0);
	bad = 0;
	for (i = 0; i < NOBJ; i++)
		for (j = 0; j < 5888 && obj[i] != NULL; j += 97)
			TALLY(bad, obj[i][j] == (i & 0xff));
	CHECK(bad == 0);

	/* A freed object is the next of its size, not of another size. */
	siprec__pool_put(obj[7], 5888);
	q = siprec__pool_get(32768);
	CHECK(q != NULL && q != obj[7]);
	p = siprec__pool_get(5888);
	if (siprec__pool_regions())
		CHECK(p == obj[7]);
	obj[7] = p;
	siprec__pool_put(q, 32768);

	/* Sizes round to a cache line: 5,880 shares 5,888's objects. */
	siprec__pool_put(obj[9], 5888);
	p = siprec__pool_get(5880);
	if (siprec__pool_regions())
		CHECK(p == obj[9]);
	obj[9] = p;

	/* Past the pool's sizes and classes: malloc(), freed again. */
	p = siprec__pool_get(1024 * 1024);
	CHECK(p != NULL);
	if (p != NULL)
		memset(p, 1, 1024 * 1024);
	siprec__pool_put(p, 1024 * 1024);
	bad = 0;
	for (i = 1; i <= 40; i++) {
		p = siprec__pool_get(i * 128);
		TALLY(bad, p != NULL);
		if (p != NULL)
			memset(p, 2, i * 128);
		siprec__pool_put(p, i * 128);
	}
	CHECK(bad == 0);
	p = siprec__pool_get(0);
	CHECK(p != NULL);
	siprec__pool_put(p, 0);
	siprec__pool_put(NULL, 64);

	/* Threads taking and giving back buffers at once. */
	for (i = 0; i < NTHREAD; i++)
		CHECK(pthread_create(&th[i], NULL, churn,
		    (void *)(uintptr_t)(i + 1)) == 0);
	bad = 0;
	for (i = 0; i < NTHREAD; i++) {
		CHECK(pthread_join(th[i], &ret) == 0);
		bad += (int)(uintptr_t)ret;
	}
	CHECK(bad == 0);

	for (i = 0; i < NOBJ; i++)
		siprec__pool_put(obj[i], 5888);
	return CHECK_DONE();
}
