"""The rating summary: a Bayesian average that a single review cannot run away with."""

from __future__ import annotations

from buurt.domain.reviews import PRIOR_MEAN, rating_of


def test_no_reviews_is_the_prior() -> None:
    assert rating_of([]) == rating_of([]).__class__(average=PRIOR_MEAN, mean=None, count=0)


def test_one_five_star_review_ranks_below_many_good_ones() -> None:
    newcomer = rating_of([5])
    established = rating_of([5, 4, 5, 4] * 10)
    assert (newcomer.average, newcomer.mean, newcomer.count) == (3.33, 5.0, 1)
    assert established.average > newcomer.average
    assert established.mean == 4.5
