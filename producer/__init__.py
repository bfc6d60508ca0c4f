"""What a back-office system runs: validate, seal, store, enqueue; status, wait, results."""
