"""The explorer: every order of actions up to a depth, or to a fixpoint, and its counterexamples."""
