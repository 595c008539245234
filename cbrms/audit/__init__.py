"""The audit trail: one table, written by one trigger function on every tenant table.

The trail is generic (it records changes to any table that declares ``audit_trigger()``); who
may read which events is the tenancy rule's, registered by the relationships app
(``relationships.visibility``), and the feed is served by ``relationships.api.audit``.
"""
