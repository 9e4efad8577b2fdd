"""The runbook format: model, loader, validator, library, rendering."""
