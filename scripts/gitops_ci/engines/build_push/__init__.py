"""build-and-push: tags and labels from the git context, a builder, login, push, digest read back."""
