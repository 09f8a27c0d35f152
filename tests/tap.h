/*
 * tap.h: a few macros that print the Test Anything Protocol.
 */
#ifndef EMBREPL_TAP_H
#define EMBREPL_TAP_H

#include <math.h>
#include <stdio.h>
#include <string.h>

static int tap_n, tap_failed;

#define ok(cond, ...) do {						\
	int ok_ = (cond) != 0;						\
	printf("%sok %d - ", ok_ ? "" : "not ", ++tap_n);		\
	printf(__VA_ARGS__);						\
	printf("\n");							\
	if (!ok_) {							\
		tap_failed++;						\
		printf("#   at %s:%d\n", __FILE__, __LINE__);		\
	}								\
} while (0)

#define is_int(got, want, ...) do {					\
	long long g_ = (got), w_ = (want);				\
	ok(g_ == w_, __VA_ARGS__);					\
	if (g_ != w_)							\
		printf("#   got %lld, want %lld\n", g_, w_);		\
} while (0)

#define is_str(got, want, ...) do {					\
	const char *g_ = (got), *w_ = (want);				\
	int e_ = g_ != NULL && w_ != NULL && strcmp(g_, w_) == 0;	\
	ok(e_, __VA_ARGS__);						\
	if (!e_)							\
		printf("#   got '%s', want '%s'\n",			\
		    g_ ? g_ : "(null)", w_ ? w_ : "(null)");		\
} while (0)

#define is_near(got, want, tol, ...) do {				\
	double g_ = (got), w_ = (want);					\
	int e_ = fabs(g_ - w_) <= (tol);				\
	ok(e_, __VA_ARGS__);						\
	if (!e_)							\
		printf("#   got %.9g, want %.9g\n", g_, w_);		\
} while (0)

#define tap_done() (printf("1..%d\n", tap_n), tap_failed != 0)

#endif
