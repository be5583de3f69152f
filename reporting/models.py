"""Projects, reporting cycles, progress reports, assessments, indicators and exports."""
