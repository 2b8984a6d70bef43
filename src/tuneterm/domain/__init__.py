"""What a sweep is: trials, events, statuses, the control rule, config, hypotheses, journal text.

Standard library (and numpy) only, no I/O.
"""
