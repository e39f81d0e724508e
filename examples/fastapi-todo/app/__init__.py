"""A todo API whose every request is checked by Wardgate."""
