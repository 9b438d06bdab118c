"""bump-manifest: pin a new image in the infra repo (issues: bump engine, write-back)."""

from __future__ import annotations

from gitops_ci.commands.base import JSON_OPTION, Command
from gitops_ci.commands.pending import not_implemented
from gitops_ci.inputs import Option, parse_bool, parse_choice, parse_list

COMMAND = Command(
    name="bump-manifest",
    summary="pin a new image tag/digest everywhere the infra repo uses the image",
    description="Finds every place in the infra repo that pins the image and changes only the "
    "bytes of that value, then commits or opens a pull request.",
    options=(
        Option("mode", "edit (local files), commit or pr", parse_choice(("edit", "commit", "pr")), "edit"),
        Option("infra-dir", "the infra repo checkout to edit", default="."),
        Option("infra-repo", "OWNER/NAME or a git URL of the infra repo (commit and pr modes)"),
        Option("image", "image repository, e.g. ghcr.io/acme/shop-api"),
        Option("tag", "the new tag"),
        Option("digest", "the new digest, sha256:<64 hex>"),
        Option("set", "more images, REPO=TAG[@sha256:HEX], one per line", parse_list, multiple=True),
        Option("path", "path globs to search (default: every YAML file)", parse_list, multiple=True),
        Option("environment", "environment (overlay folder) to limit the change to"),
        Option("on-missing", "fail or warn when the image is found nowhere", parse_choice(("fail", "warn")), "fail"),
        Option("dry-run", "show the diff and write nothing", parse_bool, "false"),
        Option("token", "token for the infra repo (default: GITHUB_TOKEN)", secret=True),
        JSON_OPTION,
    ),
    handler=not_implemented("bump-manifest"),
)
