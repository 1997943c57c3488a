"""Scheduled jobs: the scheduler, what each job would send (plans), the school calendar."""
