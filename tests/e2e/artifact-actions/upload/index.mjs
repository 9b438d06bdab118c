// upload-artifact v4's behaviour for plain paths: every file under the given files and folders,
// relative to their common folder, in one artifact; if-no-files-found decides what no file means.
import fs from "node:fs";
import path from "node:path";
import * as core from "@actions/core";
import { DefaultArtifactClient } from "@actions/artifact";

// act's artifact server stands in for github.com's: the client refuses any other server as GHES,
// and this run's GITHUB_SERVER_URL is a loopback forge.
const SERVER_URL = process.env.GITHUB_SERVER_URL || "https://github.com";
process.env.GITHUB_SERVER_URL = "https://github.com";

function filesUnder(entry, hidden, found) {
  const stat = fs.statSync(entry);
  if (stat.isFile()) {
    found.push(entry);
    return;
  }
  for (const name of fs.readdirSync(entry).sort()) {
    if (hidden || !name.startsWith(".")) filesUnder(path.join(entry, name), hidden, found);
  }
}

function commonFolder(entries) {
  const folders = entries.map((e) => (fs.statSync(e).isFile() ? path.dirname(e) : e));
  return folders.reduce((common, folder) => {
    while (folder !== common && !folder.startsWith(common + path.sep)) common = path.dirname(common);
    return common;
  });
}

async function run() {
  const name = core.getInput("name") || "artifact";
  const given = core.getInput("path", { required: true }).split("\n").map((p) => p.trim()).filter(Boolean);
  const globbed = given.filter((p) => /[*?[\]{}]/.test(p));
  if (globbed.length) throw new Error(`the offline stand-in takes plain paths, not globs: ${globbed.join(", ")}`);
  const hidden = core.getBooleanInput("include-hidden-files");
  const entries = given.map((p) => path.resolve(p)).filter((p) => fs.existsSync(p));
  const files = [];
  for (const entry of entries) filesUnder(entry, hidden, files);
  if (!files.length) {
    const message = `No files were found with the provided path: ${given.join(", ")}. No artifacts will be uploaded.`;
    const mode = core.getInput("if-no-files-found") || "warn";
    if (mode === "error") core.setFailed(message);
    else if (mode === "warn") core.warning(message);
    else core.info(message);
    return;
  }
  const client = new DefaultArtifactClient();
  if (core.getBooleanInput("overwrite")) {
    try {
      await client.deleteArtifact(name);
    } catch (error) {
      core.debug(`nothing to delete for ${name}: ${error.message}`);
    }
  }
  const options = { compressionLevel: Number(core.getInput("compression-level") || 6) };
  const days = Number(core.getInput("retention-days") || 0);
  if (days) options.retentionDays = days;
  core.info(`With the provided path, there will be ${files.length} file${files.length === 1 ? "" : "s"} uploaded`);
  const { id, digest } = await client.uploadArtifact(name, files, commonFolder(entries), options);
  const repository = process.env.GITHUB_REPOSITORY || "";
  core.setOutput("artifact-id", String(id));
  core.setOutput("artifact-digest", digest || "");
  core.setOutput("artifact-url", `${SERVER_URL}/${repository}/actions/runs/${process.env.GITHUB_RUN_ID}/artifacts/${id}`);
  core.info(`Artifact ${name} has been successfully uploaded! Final size is ${files.length} file(s)`);
}

run().catch((error) => core.setFailed(error.message));
