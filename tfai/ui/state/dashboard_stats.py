"""Pure conversions of the stats DTOs into the small row lists the dashboard charts draw."""

from __future__ import annotations

from typing import Any

from tfai.services.dashboard.stats import CompanyStatsDTO, MyStatsDTO


def day_rows(per_day: list[Any]) -> list[dict[str, Any]]:
    """One row per day: a short label ('3 Mar') and the counts."""
    return [{"label": f"{d.day.day} {d.day.strftime('%b')}", "day": d.day.isoformat(), "opened": d.opened,
             "closed": d.closed, "tasks_done": d.tasks_done} for d in per_day]


def company_rows(dto: CompanyStatsDTO) -> dict[str, list[dict[str, Any]]]:
    return {
        "company_days": day_rows(dto.per_day),
        "worker_load": [{"name": w.name, "open_tasks": w.open_tasks} for w in dto.open_tasks_per_worker],
        "workflow_medians": [{"name": w.title, "median_hours": w.median_hours, "completed": w.completed}
                             for w in dto.completion_per_workflow],
    }


def my_rows(dto: MyStatsDTO) -> list[dict[str, Any]]:
    return day_rows(dto.per_day)
