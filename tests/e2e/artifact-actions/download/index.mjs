// download-artifact v4's behaviour for the current run: one artifact by name, or every artifact
// (matching pattern), extracted into path/<name> or, with merge-multiple, into path itself.
import os from "node:os";
import path from "node:path";
import * as core from "@actions/core";
import { DefaultArtifactClient } from "@actions/artifact";
import { Minimatch } from "minimatch";

// act's artifact server stands in for github.com's: the client refuses any other server as GHES,
// and this run's GITHUB_SERVER_URL is a loopback forge.
process.env.GITHUB_SERVER_URL = "https://github.com";

async function run() {
  for (const input of ["github-token", "run-id", "artifact-ids"]) {
    if (core.getInput(input)) throw new Error(`the offline stand-in has no '${input}': only this run's artifacts`);
  }
  const name = core.getInput("name");
  const pattern = core.getInput("pattern");
  const merge = core.getBooleanInput("merge-multiple");
  let target = core.getInput("path") || process.env.GITHUB_WORKSPACE || process.cwd();
  if (target.startsWith("~")) target = target.replace("~", os.homedir());
  const destination = path.resolve(target);
  const client = new DefaultArtifactClient();
  let artifacts;
  if (name) {
    const { artifact } = await client.getArtifact(name);
    if (!artifact) throw new Error(`Artifact '${name}' not found`);
    artifacts = [artifact];
  } else {
    ({ artifacts } = await client.listArtifacts({ latest: true }));
    if (pattern) {
      const matcher = new Minimatch(pattern);
      artifacts = artifacts.filter((a) => matcher.match(a.name));
    }
  }
  for (const artifact of artifacts) {
    const into = name || merge ? destination : path.join(destination, artifact.name);
    const { digestMismatch } = await client.downloadArtifact(artifact.id, { path: into, expectedHash: artifact.digest });
    if (digestMismatch) core.warning(`Artifact '${artifact.name}' digest validation failed.`);
    core.info(`- ${artifact.name} (ID: ${artifact.id}) → ${into}`);
  }
  core.info(`Total of ${artifacts.length} artifact(s) downloaded`);
  core.setOutput("download-path", destination);
}

run().catch((error) => core.setFailed(`Unable to download artifact(s): ${error.message}`));
