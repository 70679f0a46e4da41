# Builds build/Release/fastgrad.node. The source list lives in native/sources.json (read by CMakeLists.txt too).
# Only the per-ISA static libraries get ISA flags; everything else is built for the baseline CPU.
# When Gloo is found (scripts/has-gloo.cjs), also the optional process-group binding
# build/Release/fastgrad_gloo.node and its C++ bench program (native/distributed); fastgrad.node never
# depends on them.
{
  "variables": { "fg_gloo%": "<!(node scripts/has-gloo.cjs)" },
  "conditions": [
    ["fg_gloo==1", {
      "targets": [
        {
          "target_name": "fastgrad_gloo",
          "sources": ["native/distributed/binding.cc", "native/distributed/process_group.cc", "native/distributed/store.cc"],
          "cflags_cc": ["-frtti"], "cflags_cc!": ["-fno-rtti"],
          "libraries": ["-lgloo", "-pthread"]
        },
        {
          "target_name": "fastgrad_gloo_bench",
          "type": "executable",
          "sources": ["native/distributed/bench_allreduce.cc", "native/distributed/process_group.cc", "native/distributed/store.cc"],
          "cflags_cc": ["-frtti"], "cflags_cc!": ["-fno-rtti"],
          "libraries": ["-lgloo", "-pthread"]
        }
      ]
    }]
  ],
  "target_defaults": {
    "cflags": ["-O3", "-ffp-contract=off", "-fno-math-errno", "-fno-trapping-math", "-fvisibility=hidden", "-Wall", "-Wextra", "-Wno-unused-parameter", "<!@(node scripts/has-openmp.cjs --cflags)"],
    "ldflags": ["<!@(node scripts/has-openmp.cjs --ldflags)"],
    "cflags_cc": ["-std=c++17", "-fexceptions"],
    "cflags!": ["-fno-exceptions"],
    "cflags_cc!": ["-fno-exceptions", "-std=gnu++17", "-std=gnu++20"],
    "defines": ["NAPI_VERSION=8", "NAPI_CPP_EXCEPTIONS", "NODE_ADDON_API_DISABLE_DEPRECATED"],
    "include_dirs": ["<!(node -p \"require('node-addon-api').include_dir\")", "native"],
    "conditions": [
      ["OS=='mac'", { "xcode_settings": { "GCC_ENABLE_CPP_EXCEPTIONS": "YES", "CLANG_CXX_LANGUAGE_STANDARD": "c++17", "OTHER_CFLAGS": ["-ffp-contract=off", "-fno-math-errno"] } }]
    ]
  },
  "targets": [
    {
      "target_name": "fastgrad_isa_scalar",
      "type": "static_library",
      "sources": ["<!@(node -p \"require('./native/sources.json').isa.scalar.join(' ')\")"]
    },
    {
      "target_name": "fastgrad_isa_avx2",
      "type": "static_library",
      "sources": ["<!@(node -p \"require('./native/sources.json').isa.avx2.join(' ')\")"],
      "conditions": [["target_arch=='x64'", { "cflags": ["-mavx2", "-mfma"], "xcode_settings": { "OTHER_CFLAGS": ["-mavx2", "-mfma"] } }]]
    },
    {
      "target_name": "fastgrad_isa_avx512",
      "type": "static_library",
      "sources": ["<!@(node -p \"require('./native/sources.json').isa.avx512.join(' ')\")"],
      "conditions": [["target_arch=='x64'", { "cflags": ["-mavx512f", "-mavx512bw", "-mavx512dq", "-mavx512vl", "-mfma"], "xcode_settings": { "OTHER_CFLAGS": ["-mavx512f", "-mavx512bw", "-mavx512dq", "-mavx512vl", "-mfma"] } }]]
    },
    {
      "target_name": "fastgrad_isa_neon",
      "type": "static_library",
      "sources": ["<!@(node -p \"require('./native/sources.json').isa.neon.join(' ')\")"]
    },
    {
      "target_name": "fastgrad",
      "sources": ["<!@(node -p \"require('./native/sources.json').addon.join(' ')\")"],
      "dependencies": ["fastgrad_isa_scalar", "fastgrad_isa_avx2", "fastgrad_isa_avx512", "fastgrad_isa_neon"]
    }
  ]
}
