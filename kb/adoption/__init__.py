"""Adoption reports (последователи опыта): who has applied a practice, and where."""
