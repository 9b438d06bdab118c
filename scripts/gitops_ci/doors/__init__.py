"""The doors: the only code that touches processes, git, HTTP, the GitHub API and the runner."""
