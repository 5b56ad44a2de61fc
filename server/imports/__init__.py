"""Master data and opening stock in from files: streamed, validated row by row, all-or-nothing."""
