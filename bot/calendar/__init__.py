"""Calendar feeds on the wire: the guarded HTTP fetch of iCalendar addresses (fetch.py) and Microsoft 365
group calendars through Graph (teams/graph_calendar.py). The rules live in handlers/meetings/calendar_*.py."""
