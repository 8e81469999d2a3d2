"""Who may read or do what (DESIGN.md §7): the one owner of access decisions.

`kinds` is the registry (one entry per record kind), `rules` the per-record rules from plain facts,
`lists` the limits of list queries, `operations` the roles of every query and mutation, `events`
what a role sees of the event stream, `fields` what a role sees of sensitive fields. Every decision is
taken from plain values handed in (ids, union paths, region codes), so this package imports only
`lianxin.core` (an import-linter contract keeps it so).
"""
