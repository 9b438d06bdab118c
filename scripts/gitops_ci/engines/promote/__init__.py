"""promote: write the exact reference one environment pins into the next, through the edit
engine (its pins and edits) and the write-back (commit or pull request)."""
