"""The job engine: jobs submitted, shared, queued, trained in workers and kept, whatever they
train (docs/ARCHITECTURE.md, "How a click reaches a worker and comes back")."""
