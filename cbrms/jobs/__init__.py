"""Jobs: long work run by Celery and followed by the person who asked for it.

A ``Job`` row is the job's state, written by our own code (the Celery result backend is off):
the API and the browser read the row, the task claims it, reports progress on it and finishes it.
What a kind of job does is registered by the app that owns it (``cbrms.jobs.registry``).
"""
