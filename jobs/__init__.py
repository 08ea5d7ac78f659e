"""Scheduled jobs. The schedule only wakes a job; each job decides from the database what
is due, so a restart or a second process never makes it act twice."""
