"""buildah with its own storage (vfs driver, chroot isolation: works as root without a daemon),
and a tiny busybox base image built FROM scratch with a RUN step, so nothing is pulled."""

from __future__ import annotations

import os
import shutil
from pathlib import Path

from gitops_ci.doors import proc
from gitops_ci.secrets import Redactor
from gitops_ci_dev import need_tool
from gitops_ci_dev.local_registry import LocalRegistry


def buildah_env(root: Path, registry: LocalRegistry, driver: str = "vfs") -> dict[str, str]:
    """Environment for buildah/skopeo: private storage, chroot isolation, the loopback registry
    marked insecure (plain HTTP) the standard way, through registries.conf.

    `vfs` works on any machine (no kernel overlay, no fuse); `overlay` is what hosted runners use."""
    root.mkdir(parents=True, exist_ok=True)
    storage = root / "storage.conf"
    storage.write_text(
        f'[storage]\ndriver = "{driver}"\ngraphroot = "{root}/graph"\nrunroot = "{root}/run"\n',
        encoding="utf-8",
    )
    registries = root / "registries.conf"
    registries.write_text(
        f'unqualified-search-registries = []\n[[registry]]\nlocation = "{registry.host}"\ninsecure = true\n',
        encoding="utf-8",
    )
    return {
        "CONTAINERS_STORAGE_CONF": str(storage),
        "CONTAINERS_REGISTRIES_CONF": str(registries),
        "BUILDAH_ISOLATION": "chroot",
        "STORAGE_DRIVER": driver,
    }


def push_base_image(workdir: Path, registry: LocalRegistry, env: dict[str, str]) -> str:
    """Build `base/busybox:1` FROM scratch (busybox-static and a RUN step) and push it; return its ref."""
    buildah = need_tool("buildah")
    busybox = Path(need_tool("busybox")).resolve()
    context = workdir / "base"
    context.mkdir(parents=True, exist_ok=True)
    shutil.copy(busybox, context / "busybox")
    (context / "Dockerfile").write_text(
        "FROM scratch\nCOPY busybox /bin/busybox\n"
        'RUN ["/bin/busybox", "--install", "-s", "/bin"]\n'
        "RUN mkdir -p /tmp /etc && echo 'root:x:0:0:root:/root:/bin/sh' > /etc/passwd "
        "&& echo 'root:x:0:' > /etc/group\n",
        encoding="utf-8",
    )
    ref = f"{registry.host}/base/busybox:1"
    run([buildah, "build", "-t", ref, str(context)], env)
    creds = ["--creds", f"{registry.username}:{registry.password}"] if registry.username else []
    run([buildah, "push", "--tls-verify=false", *creds, ref, f"docker://{ref}"], env)
    return ref


def run(args: list[str], env: dict[str, str]) -> str:
    done = proc.run(args, redactor=Redactor(), env={**os.environ, **env}, check=False)
    if done.returncode != 0:
        raise RuntimeError(f"{args[:2]} failed:\n{done.stdout}\n{done.stderr}")
    return done.stdout
