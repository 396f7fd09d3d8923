#!/usr/bin/env bash
# Build the PsVault module folder for distribution: a release build of
# psvault for this machine's platform, copied into module/bin/<platform>/,
# then the module folder packed as dist/PsVault-<version>-<platform>.zip
# (or .tar.gz where zip is missing).
#
# Usage: bash scripts/package.sh [--target TRIPLE]
#
# Each platform's binary is built on that platform (or with a Rust target
# installed for it via --target); run the script once per platform and
# merge the bin/ folders to ship one module for all of them.
set -euo pipefail
cd "$(dirname "$0")/.."

target=""
if [[ $# -gt 0 ]]; then
    if [[ "$1" != "--target" || $# -ne 2 ]]; then
        echo "usage: bash scripts/package.sh [--target TRIPLE]" >&2
        exit 2
    fi
    target="$2"
fi
triple="${target:-$(rustc -vV | sed -n 's/^host: //p')}"

case "$triple" in
    x86_64-pc-windows-*) platform=win-x64 exe=psvault.exe ;;
    aarch64-pc-windows-*) platform=win-arm64 exe=psvault.exe ;;
    x86_64-unknown-linux-*) platform=linux-x64 exe=psvault ;;
    aarch64-unknown-linux-*) platform=linux-arm64 exe=psvault ;;
    x86_64-apple-darwin) platform=osx-x64 exe=psvault ;;
    aarch64-apple-darwin) platform=osx-arm64 exe=psvault ;;
    *)
        echo "package: no module platform folder for target $triple;" \
            "supported: Windows, Linux and macOS on x64 and Arm64" >&2
        exit 2
        ;;
esac

echo "== building psvault for $triple" >&2
if [[ -n "$target" ]]; then
    cargo build --release --locked -p psvault --target "$target"
    built="${CARGO_TARGET_DIR:-target}/$target/release/$exe"
else
    cargo build --release --locked -p psvault
    built="${CARGO_TARGET_DIR:-target}/release/$exe"
fi

mkdir -p "module/bin/$platform"
cp "$built" "module/bin/$platform/$exe"
chmod 755 "module/bin/$platform/$exe"

version=$(sed -n "s/^[[:space:]]*ModuleVersion[[:space:]]*=[[:space:]]*'\([^']*\)'.*/\1/p" module/PsVault.psd1)
mkdir -p dist
stage=$(mktemp -d)
trap 'rm -rf "$stage"' EXIT
mkdir -p "$stage/PsVault"
cp -R module/. "$stage/PsVault/"
name="PsVault-${version:-unknown}-$platform"
if command -v zip >/dev/null 2>&1; then
    (cd "$stage" && zip -qr "$OLDPWD/dist/$name.zip" PsVault)
    echo "dist/$name.zip"
else
    tar -C "$stage" -czf "dist/$name.tar.gz" PsVault
    echo "dist/$name.tar.gz"
fi
