"""The workflow runtime: the only code that changes a task or workflow status."""
