"""Who may see which record (DESIGN.md §7)."""
