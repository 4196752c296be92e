"""Tasks: work lists, detail, working forms, and admin steering of tasks."""
