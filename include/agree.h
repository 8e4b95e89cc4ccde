/* Agreement between rating lists: histograms, rank correlations, quantile calibration. */
#ifndef WR_AGREE_H
#define WR_AGREE_H

#include <stddef.h>

#define WR_HIST_MAX 11

/*
 * A histogram of scores on the scale lo:hi: one bucket per distinct value
 * when there are at most WR_HIST_MAX of them (distinct = 1, edge[k] the
 * value, ascending), else 10 equal-width buckets over the scale (distinct =
 * 0, bucket k holds edge[k] <= v < edge[k + 1], the last one hi too).
 */
struct wr_hist {
	int distinct;
	size_t nb;
	double edge[WR_HIST_MAX + 1];
	size_t count[WR_HIST_MAX];
};

void wr_hist_build(struct wr_hist *h, const double *v, size_t n, double lo, double hi);

/*
 * How many distinct values v[0..n) holds (the resolution of a rating
 * file), and the one most entries share: *mode (the smallest of those that
 * tie) held by *mode_n of them. 0 when n is 0.
 */
size_t wr_distinct(const double *v, size_t n, double *mode, size_t *mode_n);

/* Ranks 1..n of v[0..n) into rank, tied values sharing their average rank. */
void wr_ranks(const double *v, size_t n, double *rank);
/* Spearman's rho of n pairs (average ranks for ties); NAN when n < 2 or a side is constant. */
double wr_spearman(const double *x, const double *y, size_t n);
/* Kendall's tau-b of n pairs, in O(n log n); NAN when n < 2 or a side is constant. */
double wr_kendall_b(const double *x, const double *y, size_t n);

/*
 * A monotone map from a source scale onto a target scale by quantiles over
 * shared entries: knots (u[k], t[k]), u strictly ascending, linear between
 * them. See wr_qmap_build.
 */
struct wr_qmap {
	double *u, *t;
	size_t n;
};

/*
 * Build the map from n >= 1 shared pairs: x[i] the source score, y[i] the
 * target score of one entry. Each distinct source value u gets the knot
 * t = Q(F(u)), F(u) = (#x < u + #x == u / 2) / n its mid-rank empirical CDF
 * and Q(p) the target quantile at position p * n - 1/2 in the sorted y,
 * interpolated linearly and clamped to the smallest and largest y. The scale
 * ends slo -> tlo and shi -> thi are added as knots unless a source value
 * already lies there.
 */
void wr_qmap_build(struct wr_qmap *q, const double *x, const double *y, size_t n,
    double slo, double shi, double tlo, double thi);
/* The target score of source score v: linear between knots, clamped at the ends. */
double wr_qmap_apply(const struct wr_qmap *q, double v);
void wr_qmap_free(struct wr_qmap *q);

#endif
