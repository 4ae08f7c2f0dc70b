#!/usr/bin/env bash
# The WebGPU checks and the small-CNN speed table on a real GPU, in Node through Dawn (the `webgpu` npm
# package's dawn.node), for the day a GPU machine is lent. That machine has no network, so everything is
# packed here first and carried:
#
#   bash scripts/device/webgpu-check.sh pack [--with-node]   # here (npm registry reachable): builds .device/webgpu/
#   bash scripts/device/webgpu-check.sh run [ARGS…]          # on the GPU machine, from the repository root
#   bash scripts/device/webgpu-check.sh dry-run               # here: pack, then run on SwiftShader's Vulkan (Chromium's)
#
# .device/webgpu/ (git-ignored; MANIFEST.txt lists every file with its size and sha256):
#   webgpu-check.mjs   scripts/device/webgpuCheck.ts bundled with tfjs, its webgpu and wasm backends and tear-ssl
#   dawn.node.xz       dawn.node (linux-x64) of webgpu@WEBGPU_VERSION, checked against the registry's integrity
#   wasm/*.wasm        tfjs-backend-wasm's binaries (the wasm baseline of the speed table)
#   lib/libvulkan.so.1 the Vulkan loader (Dawn dlopens it; minimal images lack it)
#   node.xz            only with --with-node: this machine's node binary, for a GPU machine without Node ≥ 20
# Not carried: the GPU's Vulkan driver (ICD). For NVIDIA it comes with the driver (nvidia_icd.json and
# libGLX_nvidia.so.0); in a container only when NVIDIA_DRIVER_CAPABILITIES includes "graphics".
#
# `run` writes test-output/device/ (or $OUT/ when set, as on the lent machine): webgpu-check.json (the
# adapter, every check, the speed numbers) and webgpu-speed.md (the table). ARGS go to webgpu-check.mjs
# (--steps N, --batches 64,256, --trainer-batch 32, --skip-speed, --allow-software, --dawn-flag F).
# `dry-run` tests the script itself on SwiftShader, without the speed table. It exits non-zero, with a one-line reason, when Dawn finds
# no adapter, when the adapter is a software one (unless --allow-software), or when a check fails.
set -euo pipefail
cd "$(dirname "$0")/../.."

WEBGPU_VERSION=0.6.2
WEBGPU_INTEGRITY='sha512-3L4GfmqJLvYUIEWJngEQY+2HQiUlAFkg8+P8NDDj3Xx5hHHIFO/r8JW+ynfqBj7kHN4mbnwO74uB+lrRtLhp4Q=='
PACK=${TEAR_WEBGPU_PACK:-.device/webgpu}
CACHE=node_modules/.cache/tear-ssl/webgpu

fail() { echo "webgpu-check: $1" >&2; exit 1; }

find_vulkan_loader() {
  local lib
  lib=$(ldconfig -p 2>/dev/null | awk '/libvulkan\.so\.1 .*x86-64/ {print $NF; exit}')
  if [ -n "$lib" ] && [ -e "$lib" ]; then readlink -f "$lib"; return; fi
  if [ -e /usr/lib/chromium/libvulkan.so.1 ]; then echo /usr/lib/chromium/libvulkan.so.1; return; fi
  local tmp
  tmp=$(mktemp -d)
  if (cd "$tmp" && apt-get download libvulkan1 >/dev/null 2>&1); then
    dpkg -x "$tmp"/libvulkan1_*.deb "$tmp/x"
    readlink -f "$(find "$tmp/x" -name 'libvulkan.so.1' | head -n 1)"
    return
  fi
  return 1
}

pack() {
  local with_node=0
  [ "${1:-}" = "--with-node" ] && with_node=1
  [ "$(uname -m)" = x86_64 ] || fail "pack builds for linux-x64 (the GPU machine); this is $(uname -m)"
  [ -d node_modules/@tensorflow/tfjs-backend-webgpu ] || fail "node_modules is missing: run npm ci first"
  rm -rf "$PACK" && mkdir -p "$PACK/lib" "$PACK/wasm" "$CACHE"

  # 1. dawn.node from the npm package, through npm itself (not a devDependency: its tarball holds five
  #    platforms' binaries, 51 MB, that every `npm ci` would download).
  local tgz="$CACHE/webgpu-$WEBGPU_VERSION.tgz"
  if [ ! -f "$tgz" ]; then
    (cd "$CACHE" && npm pack "webgpu@$WEBGPU_VERSION" --silent >/dev/null) || fail "npm pack webgpu@$WEBGPU_VERSION failed (is the npm registry reachable?)"
  fi
  local got
  got="sha512-$(openssl dgst -sha512 -binary "$tgz" | base64 -w0)"
  [ "$got" = "$WEBGPU_INTEGRITY" ] || { rm -f "$tgz"; fail "webgpu-$WEBGPU_VERSION.tgz integrity $got, expected $WEBGPU_INTEGRITY"; }
  local tmp
  tmp=$(mktemp -d)
  tar -xzf "$tgz" -C "$tmp" package/dist/linux-x64/dawn.node package/LICENSE.md
  xz -T0 -6 -c "$tmp/package/dist/linux-x64/dawn.node" > "$PACK/dawn.node.xz"
  cp "$tmp/package/LICENSE.md" "$PACK/webgpu-LICENSE.md"
  rm -rf "$tmp"

  # 2. The check, bundled with everything it imports (tfjs, its webgpu and wasm backends, tear-ssl).
  npx esbuild scripts/device/webgpuCheck.ts --bundle --platform=node --format=esm --target=node20 --log-level=warning \
    --outfile="$PACK/webgpu-check.mjs" \
    --banner:js="import { createRequire as __tearRequire } from 'node:module'; import { fileURLToPath as __tearPath } from 'node:url'; import { dirname as __tearDirname } from 'node:path'; const require = __tearRequire(import.meta.url); const __filename = __tearPath(import.meta.url); const __dirname = __tearDirname(__filename);"
  cp node_modules/@tensorflow/tfjs-backend-wasm/dist/*.wasm "$PACK/wasm/"

  # 3. The Vulkan loader.
  local loader
  loader=$(find_vulkan_loader) || fail "no libvulkan.so.1 here (ldconfig, /usr/lib/chromium, apt-get download libvulkan1 all failed)"
  cp "$loader" "$PACK/lib/libvulkan.so.1"

  # 4. Node, if asked.
  if [ "$with_node" = 1 ]; then xz -T0 -6 -c "$(readlink -f "$(command -v node)")" > "$PACK/node.xz"; fi

  {
    echo "# .device/webgpu, packed $(date -u +%Y-%m-%dT%H:%M:%SZ) on $(uname -srm); webgpu@$WEBGPU_VERSION; node $(node --version)"
    echo "# Vulkan loader from $loader"
    (cd "$PACK" && find . -type f ! -name MANIFEST.txt -printf '%s\t%p\n' | sort -k2 | while IFS=$'\t' read -r size file; do
      printf '%s\t%s\t%s\n' "$size" "$(sha256sum "$file" | cut -c1-16)" "$file"; done)
    echo "# total bytes: $(find "$PACK" -type f ! -name MANIFEST.txt -printf '%s\n' | awk '{s+=$1} END {print s}')"
  } > "$PACK/MANIFEST.txt"
  cat "$PACK/MANIFEST.txt"
}

run() {
  [ -f "$PACK/webgpu-check.mjs" ] || fail "$PACK is missing: run 'bash scripts/device/webgpu-check.sh pack' on a machine with the npm registry, and carry $PACK"
  WORK=$(mktemp -d)
  trap 'rm -rf "$WORK"' EXIT
  local work=$WORK
  local node_bin=""
  if command -v node >/dev/null 2>&1 && [ "$(node -p 'process.versions.node.split(".")[0]')" -ge 20 ]; then
    node_bin=$(command -v node)
  elif [ -f "$PACK/node.xz" ]; then
    xz -dc "$PACK/node.xz" > "$work/node" && chmod +x "$work/node" && node_bin="$work/node"
  else
    fail "no Node ≥ 20 here and $PACK/node.xz was not packed (pack --with-node)"
  fi
  xz -dc "$PACK/dawn.node.xz" > "$work/dawn.node"
  if ! ldconfig -p 2>/dev/null | grep -q 'libvulkan\.so\.1 '; then
    export LD_LIBRARY_PATH="$PWD/$PACK/lib${LD_LIBRARY_PATH:+:$LD_LIBRARY_PATH}"
  fi
  if [ -z "${VK_ICD_FILENAMES:-}" ] && ! ls /usr/share/vulkan/icd.d/*.json /etc/vulkan/icd.d/*.json >/dev/null 2>&1; then
    echo "webgpu-check: warning: no Vulkan driver manifest in /usr/share/vulkan/icd.d or /etc/vulkan/icd.d: Dawn will likely find no adapter (NVIDIA: the driver's nvidia_icd.json; in a container NVIDIA_DRIVER_CAPABILITIES must include graphics)" >&2
    command -v nvidia-smi >/dev/null 2>&1 && nvidia-smi --query-gpu=name,driver_version --format=csv,noheader >&2 || true
  fi
  "$node_bin" "$PACK/webgpu-check.mjs" --dawn "$work/dawn.node" --wasm "$PACK/wasm" --out "${OUT:-test-output/device}" "$@"
}

case "${1:-}" in
  pack) shift; pack "$@" ;;
  run) shift; run "$@" ;;
  dry-run)
    shift
    [ -f "$PACK/webgpu-check.mjs" ] || pack
    [ -f /usr/lib/chromium/vk_swiftshader_icd.json ] || fail "dry-run uses Chromium's SwiftShader Vulkan driver: run scripts/ensure-chromium.sh"
    VK_ICD_FILENAMES=/usr/lib/chromium/vk_swiftshader_icd.json OUT="${OUT:-test-output/device-dry-run}" \
      run --allow-software --skip-speed "$@" ;;
  *) echo "usage: bash scripts/device/webgpu-check.sh pack [--with-node] | run [ARGS…] | dry-run" >&2; exit 2 ;;
esac
