"""bump-manifest: the edit engine (find every pin of an image, change only its bytes) and the
write-back to the infra repo (commit or pull request)."""
