"""Tooling for the segmentation dbt project: sample data, demo summary, emulator runner, benchmark."""
