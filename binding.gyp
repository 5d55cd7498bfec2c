{
  "targets": [
    {
      "target_name": "lem",
      "sources": ["<!@(node -p \"const s = require('./native/sources.json'); s.core.concat(s.addon).join(' ')\")"],
      "include_dirs": ["<!(node -p \"require('node-addon-api').include_dir\")"],
      "defines": ["NAPI_VERSION=8", "NAPI_CPP_EXCEPTIONS", "NODE_ADDON_API_DISABLE_DEPRECATED"],
      "cflags!": ["-fno-exceptions"],
      "cflags_cc!": ["-fno-exceptions", "-fno-rtti"],
      "cflags_cc": ["-std=c++17", "-fexceptions", "-frtti", "-fvisibility=hidden", "-include", "../native/compat/glibc_compat.h"],
      "ldflags": ["-Wl,-z,relro,-z,now"],
      "libraries": ["-ldl", "-lpthread"]
    },
    {
      "target_name": "lem-supervise",
      "type": "executable",
      "sources": ["native/supervise/lem_supervise.c"],
      "cflags": ["-std=c11", "-O2", "-Wall", "-Wextra"],
      "ldflags": ["-Wl,-z,relro,-z,now"]
    }
  ]
}
