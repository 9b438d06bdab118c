"""The infra write-back: commit or pull request, history, downgrade guard."""
