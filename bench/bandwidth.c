/*
 * bandwidth.c: the machine's read bandwidth, the bound for a scan.
 *
 * Sums a 1 GiB array of 64-bit words on 1 and on 2 threads, best of
 * several runs, and prints "threads GB/s" lines for bench/run.py. The
 * array is allocated as embrepl allocates a matrix (util_big_alloc(), on
 * huge pages where Linux gives them), so both see the same memory.
 */
#include <pthread.h>
#include <stdint.h>
#include <stdio.h>
#include <stdlib.h>
#include <time.h>

#include "util.h"

#define BW_WORDS	((size_t)128 * 1024 * 1024)
#define BW_RUNS		7

struct bw_part {
	const uint64_t	*a;
	size_t		 begin;
	size_t		 end;
	uint64_t	 sum;
};

/* Seconds on a monotonic clock. */
static double
bw_now(void)
{
	struct timespec	 ts;

	clock_gettime(CLOCK_MONOTONIC, &ts);
	return (ts.tv_sec + ts.tv_nsec * 1e-9);
}

/* Sums one thread's part with four independent chains. */
static void *
bw_sum(void *arg)
{
	struct bw_part	*p = arg;
	uint64_t	 s0 = 0, s1 = 0, s2 = 0, s3 = 0;
	size_t		 i;

	for (i = p->begin; i + 4 <= p->end; i += 4) {
		s0 += p->a[i];
		s1 += p->a[i + 1];
		s2 += p->a[i + 2];
		s3 += p->a[i + 3];
	}
	p->sum = s0 + s1 + s2 + s3;
	return (NULL);
}

/* Times one pass over the array on n threads. */
static double
bw_pass(const uint64_t *a, int n)
{
	struct bw_part	 p[2];
	pthread_t	 id[2];
	double		 t0;
	int		 i;

	t0 = bw_now();
	for (i = 0; i < n; i++) {
		p[i].a = a;
		p[i].begin = BW_WORDS * i / n;
		p[i].end = BW_WORDS * (i + 1) / n;
		pthread_create(&id[i], NULL, bw_sum, &p[i]);
	}
	for (i = 0; i < n; i++)
		pthread_join(id[i], NULL);
	return (bw_now() - t0);
}

int
main(void)
{
	uint64_t	*a;
	size_t		 i;
	double		 t, best;
	int		 n, r;

	if ((a = util_big_alloc(BW_WORDS * sizeof *a)) == NULL)
		return (1);
	for (i = 0; i < BW_WORDS; i++)
		a[i] = i;
	for (n = 1; n <= 2; n++) {
		best = 1e9;
		for (r = 0; r < BW_RUNS; r++) {
			t = bw_pass(a, n);
			if (t < best)
				best = t;
		}
		printf("%d %.3f\n", n, BW_WORDS * sizeof *a / best / 1e9);
	}
	free(a);
	return (0);
}
