// The prebuilds a release ships, and how each is built from a linux-x64 Debian machine.
export const PREBUILD_NAME = "lem";
export const PREBUILD_TARGETS = [
  { platform: "linux", arch: "x64", file: "lem.glibc.node", env: {}, cc: "cc" },
  {
    platform: "linux",
    arch: "arm64",
    file: "lem.glibc.node",
    // Debian's cross compiler (apt-get install g++-aarch64-linux-gnu).
    env: { CC: "aarch64-linux-gnu-gcc", CXX: "aarch64-linux-gnu-g++", LINK: "aarch64-linux-gnu-g++", AR: "aarch64-linux-gnu-ar" },
    strip: "aarch64-linux-gnu-strip",
    cc: "aarch64-linux-gnu-gcc",
  },
];
export const BUILD_INFO = "build-info.json";
// The wrapper that makes children die with lem (native/supervise), linked statically so that it
// starts on any glibc (a dynamic build needs the builder's __libc_start_main version).
export const SUPERVISOR = "lem-supervise";
