"""Evaluator assignments, conflicts of interest, reviews, consensus, rankings, joint selection, funding."""
