"""Training records, policy reviews and the scheduled reminders."""
