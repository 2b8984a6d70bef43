"""The journal's figures, decided without drawing them: plans (what each shows), the catalog of
every figure a sweep gets, and the manifest of what was drawn."""
