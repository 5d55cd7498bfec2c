/**
 * The identity of a local image, recorded with each result so a run can be repeated on the
 * same bits: its registry digest (repo@sha256:..., absent for an image built locally) and its
 * image id (the sha256 of its configuration, always present).
 */
import { lastLine, runProbe } from "../../process/probe.js";

export interface ImageDigest {
  /** "sha256:..." of the registry manifest the image was pulled by; null when it was never pushed or pulled. */
  digest: string | null;
  /** "sha256:..." image id. */
  id: string | null;
  /** Why the image could not be inspected (absent image, no daemon). */
  error?: string;
}

export const INSPECT_FORMAT = "{{json .RepoDigests}} {{.Id}}";

/** The repository of a reference, without tag or digest: "ghcr.io:443/org/img:tag" -> "ghcr.io:443/org/img". */
export function repositoryOf(image: string): string {
  const noDigest = image.split("@")[0]!;
  const lastSlash = noDigest.lastIndexOf("/");
  const colon = noDigest.lastIndexOf(":");
  return colon > lastSlash ? noDigest.slice(0, colon) : noDigest;
}

/** Parses `{{json .RepoDigests}} {{.Id}}` output; the digest of the image's own repository is preferred. */
export function parseInspectOutput(image: string, output: string): ImageDigest {
  const match = /^\s*(\[.*\]|null)\s+(\S+)\s*$/s.exec(output);
  if (!match) return { digest: null, id: null, error: `unexpected docker image inspect output: ${output.trim().slice(0, 200)}` };
  let repoDigests: string[] = [];
  try {
    const parsed = JSON.parse(match[1]!) as unknown;
    if (Array.isArray(parsed)) repoDigests = parsed.filter((d): d is string => typeof d === "string");
  } catch {
    return { digest: null, id: match[2]!, error: "RepoDigests was not JSON" };
  }
  const repo = repositoryOf(image);
  // Docker Hub images are listed without "docker.io/" (and "library/" for official images).
  const short = repo.replace(/^docker\.io\//, "").replace(/^library\//, "");
  const own = repoDigests.find((d) => {
    const r = d.split("@")[0]!;
    return r === repo || r === short || r.replace(/^library\//, "") === short;
  });
  const chosen = own ?? repoDigests[0];
  return { digest: chosen ? chosen.slice(chosen.indexOf("@") + 1) : null, id: match[2]! };
}

export async function imageDigest(docker: string, image: string, timeoutMs: number): Promise<ImageDigest> {
  const r = await runProbe(docker, ["image", "inspect", "--format", INSPECT_FORMAT, image], timeoutMs);
  if (!r.ok) {
    const why = r.timedOut
      ? `docker image inspect did not answer within ${timeoutMs} ms`
      : (r.spawnError ?? lastLine(r.stderr) ?? `docker image inspect exited with code ${r.exitCode ?? "?"}`);
    return { digest: null, id: null, error: why };
  }
  return parseInspectOutput(image, r.stdout);
}
