/* Unit tests for lib/agree.c: histograms, ranks, Spearman, Kendall tau-b, quantile maps. */
#include <math.h>
#include <stdlib.h>

#include "agree.h"
#include "common.h"
#include "unit.h"

#define LEN(a) (sizeof (a) / sizeof *(a))

static int
near(double a, double b)
{
	return fabs(a - b) < 1e-9;
}

static void
test_hist(void)
{
	static const double few[] = {3, 1, 3, 4.5, 2, 3};
	static const double many[] = {0, 5, 10, 15, 20, 25, 30, 35, 40, 45, 50, 55, 60};
	static const size_t want_few[] = {1, 1, 3, 1}, want_many[] = {2, 1, 1, 1, 1, 2, 1, 1, 1, 2};
	struct wr_hist h;
	size_t k;

	wr_hist_build(&h, few, LEN(few), 1, 5);
	CHECK(h.distinct && h.nb == 4, "few: distinct %d nb %zu", h.distinct, h.nb);
	for (k = 0; k < 4 && k < h.nb; k++)
		CHECK(h.count[k] == want_few[k], "few: bucket %zu holds %zu", k, h.count[k]);
	CHECK(h.edge[0] == 1 && h.edge[3] == 4.5, "few: values %g..%g", h.edge[0], h.edge[3]);
	wr_hist_build(&h, many, LEN(many), 0, 60);
	CHECK(!h.distinct && h.nb == 10, "many: distinct %d nb %zu", h.distinct, h.nb);
	for (k = 0; k < 10; k++)
		CHECK(h.count[k] == want_many[k], "many: bucket %zu holds %zu", k, h.count[k]);
	CHECK(h.edge[10] == 60, "many: last edge %g", h.edge[10]);
	wr_hist_build(&h, many, 11, 0, 60);
	CHECK(h.distinct && h.nb == 11, "eleven values: distinct %d nb %zu", h.distinct, h.nb);
	wr_hist_build(&h, NULL, 0, 1, 5);
	CHECK(h.distinct && h.nb == 0, "empty: nb %zu", h.nb);
}

static void
test_ranks(void)
{
	static const double v[] = {10, 20, 10, 30, 20, 10};
	static const double want[] = {2, 4.5, 2, 6, 4.5, 2};
	double r[LEN(v)];
	size_t i;

	wr_ranks(v, LEN(v), r);
	for (i = 0; i < LEN(v); i++)
		CHECK(r[i] == want[i], "rank %zu: %g, want %g", i, r[i], want[i]);
}

static void
test_corr(void)
{
	/* Expected values from a direct O(n^2) computation. */
	static const struct {
		double x[6], y[6];
		size_t n;
		double rho, tau;
	} v[] = {
		{{3, 4, 4.5, 3, 2}, {50, 20, 90, 50, 60}, 5, 0.05263157894736842, -0.1111111111111111},
		{{3, 4, 3, 2, 1}, {2, 5, 3, 4, 2}, 5, 0.5526315789473685, 0.4444444444444444},
		{{2, 5, 3, 4}, {50, 20, 50, 60}, 4, -0.31622776601683794, -0.18257418583505536},
		{{35, 15, 55, 30, 25, 40}, {3, 4, 4.5, 1, 3, 2}, 6, 0.08696565534786727, 0},
		{{1, 2, 3, 4}, {10, 20, 30, 40}, 4, 1, 1},
		{{1, 2, 3, 4}, {4, 3, 2, 1}, 4, -1, -1},
		{{1, 1, 1}, {1, 2, 3}, 3, NAN, NAN},
		{{1}, {1}, 1, NAN, NAN},
	};
	size_t i;
	double r, t;

	for (i = 0; i < LEN(v); i++) {
		r = wr_spearman(v[i].x, v[i].y, v[i].n);
		t = wr_kendall_b(v[i].x, v[i].y, v[i].n);
		CHECK(isnan(v[i].rho) ? isnan(r) : near(r, v[i].rho), "case %zu: rho %g, want %g",
		    i, r, v[i].rho);
		CHECK(isnan(v[i].tau) ? isnan(t) : near(t, v[i].tau), "case %zu: tau %g, want %g",
		    i, t, v[i].tau);
	}
}

static void
test_qmap(void)
{
	static const double x[] = {3, 4, 4.5, 3, 2}, y[] = {50, 20, 90, 50, 60};
	static const struct { double in, want; } v[] = {
		{1, 0}, {1.5, 10}, {2, 20}, {2.5, 35}, {3, 50}, {4, 60}, {4.5, 90}, {5, 100},
		{0, 0}, {6, 100},
	};
	struct wr_qmap q;
	size_t i;

	wr_qmap_build(&q, x, y, LEN(x), 1, 5, 0, 100);
	for (i = 0; i < LEN(v); i++)
		CHECK(near(wr_qmap_apply(&q, v[i].in), v[i].want), "qmap %g: %g, want %g",
		    v[i].in, wr_qmap_apply(&q, v[i].in), v[i].want);
	wr_qmap_free(&q);
	/* The scale ends are knots only when no shared score lies on them. */
	wr_qmap_build(&q, (const double[]){1, 5}, (const double[]){30, 70}, 2, 1, 5, 0, 100);
	CHECK(q.n == 2 && near(wr_qmap_apply(&q, 3), 50), "ends: %zu knots, 3 -> %g", q.n,
	    wr_qmap_apply(&q, 3));
	wr_qmap_free(&q);
}

static void
test_distinct(void)
{
	static const double a[] = {3, 1.25, 4.5, 1.25, 3, 1.25};
	double mode;
	size_t n;

	CHECK(wr_distinct(a, 6, &mode, &n) == 3 && mode == 1.25 && n == 3, "three values, 1.25 thrice: %g %zu", mode, n);
	CHECK(wr_distinct(a, 2, &mode, &n) == 2 && mode == 1.25 && n == 1, "a tie goes to the smallest: %g", mode);
	CHECK(wr_distinct(a, 0, &mode, &n) == 0 && n == 0, "nothing");
}

int
main(void)
{
	test_distinct();
	test_hist();
	test_ranks();
	test_corr();
	test_qmap();
	return unit_done();
}
