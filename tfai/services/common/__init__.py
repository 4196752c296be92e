"""Infrastructure every capability shares: transactions, audit, pagination, problems, identity, throttling."""
