"""Deep audit: the event log replayed into a scratch database, compared with what people read.

The hash chains prove the log was not edited; they say nothing about the
tables built from it. ``deep.verify_deep`` replays every applied event, in log
order and with its original sender, into a fresh database holding the same
plant reference data, then compares the projections (measurements, defects,
lots, holds, genealogy, NCRs, dispositions, jobs, work orders) row by row.
"""
