"""The numbers and figures behind a decision: hyperparameter importance (scikit-learn) and the
journal's figures (matplotlib). It reads only the domain's types; nothing here is imported by a
dashboard before its first frame, and matplotlib only in the process that draws figures."""
