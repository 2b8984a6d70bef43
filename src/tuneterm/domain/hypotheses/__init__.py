"""Hypotheses: the notebook's model, evidence, buckets and verdicts."""
