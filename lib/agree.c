/* Agreement statistics: histograms, average ranks, Spearman, Kendall tau-b, quantile maps. */
#include "agree.h"

#include <math.h>
#include <stdint.h>
#include <stdlib.h>
#include <string.h>

#include "common.h"

static int
cmp_double(const void *a, const void *b)
{
	double x = *(const double *)a, y = *(const double *)b;

	return x < y ? -1 : x > y;
}

void
wr_hist_build(struct wr_hist *h, const double *v, size_t n, double lo, double hi)
{
	size_t i, k, nd = 0;

	memset(h, 0, sizeof *h);
	/* Distinct values, kept sorted, until there are too many. */
	for (i = 0; i < n && nd <= WR_HIST_MAX; i++) {
		for (k = 0; k < nd && h->edge[k] < v[i]; k++)
			;
		if (k < nd && h->edge[k] == v[i]) {
			h->count[k]++;
			continue;
		}
		if (nd == WR_HIST_MAX) {
			nd++;
			break;
		}
		memmove(h->edge + k + 1, h->edge + k, (nd - k) * sizeof *h->edge);
		memmove(h->count + k + 1, h->count + k, (nd - k) * sizeof *h->count);
		h->edge[k] = v[i];
		h->count[k] = 1;
		nd++;
	}
	if (nd <= WR_HIST_MAX) {
		h->distinct = 1;
		h->nb = nd;
		return;
	}
	memset(h->count, 0, sizeof h->count);
	h->nb = 10;
	for (k = 0; k <= 10; k++)
		h->edge[k] = lo + (hi - lo) * (double)k / 10;
	for (i = 0; i < n; i++) {
		double b = floor((v[i] - lo) * 10 / (hi - lo));
		k = b < 0 ? 0 : b > 9 ? 9 : (size_t)b;
		h->count[k]++;
	}
}

struct iv {
	double v;
	size_t i;
};

static int
cmp_iv(const void *a, const void *b)
{
	const struct iv *x = a, *y = b;

	if (x->v != y->v)
		return x->v < y->v ? -1 : 1;
	return x->i < y->i ? -1 : x->i > y->i;
}

void
wr_ranks(const double *v, size_t n, double *rank)
{
	struct iv *a = wr_malloc((n ? n : 1) * sizeof *a);
	size_t i, j, k;

	for (i = 0; i < n; i++) {
		a[i].v = v[i];
		a[i].i = i;
	}
	qsort(a, n, sizeof *a, cmp_iv);
	for (i = 0; i < n; i = j) {
		for (j = i + 1; j < n && a[j].v == a[i].v; j++)
			;
		/* Positions i..j-1 hold ranks i+1..j: their mean. */
		for (k = i; k < j; k++)
			rank[a[k].i] = ((double)i + 1 + (double)j) / 2;
	}
	free(a);
}

double
wr_spearman(const double *x, const double *y, size_t n)
{
	double *rx, *ry, m, sxy = 0, sxx = 0, syy = 0;
	size_t i;

	if (n < 2)
		return NAN;
	rx = wr_malloc(n * sizeof *rx);
	ry = wr_malloc(n * sizeof *ry);
	wr_ranks(x, n, rx);
	wr_ranks(y, n, ry);
	m = ((double)n + 1) / 2;  /* the mean of either rank vector */
	for (i = 0; i < n; i++) {
		sxy += (rx[i] - m) * (ry[i] - m);
		sxx += (rx[i] - m) * (rx[i] - m);
		syy += (ry[i] - m) * (ry[i] - m);
	}
	free(rx);
	free(ry);
	if (sxx == 0 || syy == 0)
		return NAN;
	return sxy / sqrt(sxx * syy);
}

struct pair {
	double x, y;
};

static int
cmp_pair(const void *a, const void *b)
{
	const struct pair *p = a, *q = b;

	if (p->x != q->x)
		return p->x < q->x ? -1 : 1;
	return p->y < q->y ? -1 : p->y > q->y;
}

enum { TIE_X, TIE_Y, TIE_XY };

/* Pairs within runs of equal x, y or both (a sorted that way): the sum of t(t-1)/2. */
static double
tied(const struct pair *a, size_t n, int how)
{
	double s = 0;
	size_t i, j;

	for (i = 0; i < n; i = j) {
		for (j = i + 1; j < n; j++)
			if ((how != TIE_Y && a[j].x != a[i].x) || (how != TIE_X && a[j].y != a[i].y))
				break;
		s += (double)(j - i) * (double)(j - i - 1) / 2;
	}
	return s;
}

/* Merge sort a by y, returning the number of strict inversions (Knight 1966). */
static double
sort_y(struct pair *a, struct pair *tmp, size_t n)
{
	size_t h = n / 2, i = 0, j = h, k = 0;
	double swaps;

	if (n < 2)
		return 0;
	swaps = sort_y(a, tmp, h) + sort_y(a + h, tmp, n - h);
	while (i < h && j < n) {
		if (a[j].y < a[i].y) {
			swaps += (double)(h - i);
			tmp[k++] = a[j++];
		} else
			tmp[k++] = a[i++];
	}
	while (i < h)
		tmp[k++] = a[i++];
	while (j < n)
		tmp[k++] = a[j++];
	memcpy(a, tmp, n * sizeof *a);
	return swaps;
}

double
wr_kendall_b(const double *x, const double *y, size_t n)
{
	struct pair *a, *tmp;
	double n0, n1, n2, n3, d;
	size_t i;

	if (n < 2)
		return NAN;
	a = wr_malloc(n * sizeof *a);
	tmp = wr_malloc(n * sizeof *tmp);
	for (i = 0; i < n; i++) {
		a[i].x = x[i];
		a[i].y = y[i];
	}
	qsort(a, n, sizeof *a, cmp_pair);
	n0 = (double)n * (double)(n - 1) / 2;
	n1 = tied(a, n, TIE_X);
	n3 = tied(a, n, TIE_XY);
	d = sort_y(a, tmp, n);
	n2 = tied(a, n, TIE_Y);
	free(a);
	free(tmp);
	if (n0 == n1 || n0 == n2)
		return NAN;
	return (n0 - n1 - n2 + n3 - 2 * d) / sqrt((n0 - n1) * (n0 - n2));
}

/* The target quantile at position h of the sorted y[0..n). */
static double
quantile(const double *y, size_t n, double h)
{
	size_t k;

	if (h <= 0)
		return y[0];
	if (h >= (double)(n - 1))
		return y[n - 1];
	k = (size_t)h;
	return y[k] + (y[k + 1] - y[k]) * (h - (double)k);
}

void
wr_qmap_build(struct wr_qmap *q, const double *x, const double *y, size_t n,
    double slo, double shi, double tlo, double thi)
{
	double *xs = wr_malloc(n * sizeof *xs), *ys = wr_malloc(n * sizeof *ys);
	size_t i, j, k = 0;

	memcpy(xs, x, n * sizeof *xs);
	memcpy(ys, y, n * sizeof *ys);
	qsort(xs, n, sizeof *xs, cmp_double);
	qsort(ys, n, sizeof *ys, cmp_double);
	/* At most n distinct values and two scale ends. */
	q->u = wr_malloc((n + 2) * sizeof *q->u);
	q->t = wr_malloc((n + 2) * sizeof *q->t);
	if (slo < xs[0]) {
		q->u[k] = slo;
		q->t[k++] = tlo;
	}
	for (i = 0; i < n; i = j) {
		for (j = i + 1; j < n && xs[j] == xs[i]; j++)
			;
		/* F = (i + (j - i) / 2) / n, so the position is F * n - 1/2. */
		q->u[k] = xs[i];
		q->t[k++] = quantile(ys, n, ((double)i + (double)j) / 2 - 0.5);
	}
	if (shi > xs[n - 1]) {
		q->u[k] = shi;
		q->t[k++] = thi;
	}
	q->n = k;
	free(xs);
	free(ys);
}

double
wr_qmap_apply(const struct wr_qmap *q, double v)
{
	size_t lo = 0, hi = q->n - 1, mid;

	if (v <= q->u[0])
		return q->t[0];
	if (v >= q->u[hi])
		return q->t[hi];
	/* u[lo] < v < u[hi]: narrow to adjacent knots. */
	while (hi - lo > 1) {
		mid = lo + (hi - lo) / 2;
		if (q->u[mid] <= v)
			lo = mid;
		else
			hi = mid;
	}
	return q->t[lo] + (q->t[hi] - q->t[lo]) * (v - q->u[lo]) / (q->u[hi] - q->u[lo]);
}

void
wr_qmap_free(struct wr_qmap *q)
{
	free(q->u);
	free(q->t);
	q->u = q->t = NULL;
	q->n = 0;
}

size_t
wr_distinct(const double *v, size_t n, double *mode, size_t *mode_n)
{
	double *s;
	size_t i, run = 0, d = 0;

	*mode = 0;
	*mode_n = 0;
	if (n == 0)
		return 0;
	s = wr_malloc(n * sizeof *s);
	memcpy(s, v, n * sizeof *s);
	qsort(s, n, sizeof *s, cmp_double);
	for (i = 0; i < n; i++) {
		if (i == 0 || s[i] != s[i - 1]) {
			d++;
			run = 0;
		}
		if (++run > *mode_n) {
			*mode_n = run;
			*mode = s[i];
		}
	}
	free(s);
	return d;
}
