"""Domain services: the submission workflow, tracking codes, privacy. No SQL here (see storage)."""
