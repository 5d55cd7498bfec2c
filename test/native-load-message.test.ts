// What lem says when its addon does not load: advice a user's project can follow, per platform.
import { describe, expect, it } from "vitest";
import { nativeLoadMessage } from "../lib/native.js";

describe("the message for an addon that does not load", () => {
  it("on macOS or Windows says that measuring needs Linux with an NVIDIA driver, and what works without it", () => {
    for (const platform of ["darwin", "win32"]) {
      const m = nativeLoadMessage("No native build was found", platform, "arm64");
      expect(m).toBe(
        `measuring needs lem's native addon, which could not be loaded on ${platform}-arm64 (No native build was found). ` +
          "Measuring needs Linux with an NVIDIA driver (or LEM_SIMULATE on Linux). lem results, lem report, lem schema and lem run --dry-run work without it.",
      );
    }
  });

  it("on Linux names the prebuilds, what a source build needs and npm rebuild lem-energy, never a script of lem's repository", () => {
    const m = nativeLoadMessage("libc=musl\nloaded from /x", "linux", "x64");
    expect(m).toContain("could not be loaded on linux-x64 (libc=musl).");
    expect(m).toContain("Prebuilt addons ship for linux-x64 and linux-arm64 with glibc >= 2.28");
    expect(m).toContain("needs python3, make and a C++17 compiler: install them, then run npm rebuild lem-energy in your project.");
    expect(m).not.toContain("build:native");
  });
});
