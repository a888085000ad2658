"""Statistics for methodists and administrators: charts of their scope with the numbers as CSV."""
