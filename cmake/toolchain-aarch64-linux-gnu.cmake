# SPDX-License-Identifier: MIT
# Cross-build for 64-bit ARM boards (arm64/aarch64) with Debian's cross compiler
# (g++-aarch64-linux-gnu) and Debian multiarch libraries (libboost-filesystem-dev:arm64,
# libarchive-dev:arm64, found under /usr/lib/aarch64-linux-gnu). scripts/cross uses it:
#   cmake -S . -B build-aarch64 -DCMAKE_TOOLCHAIN_FILE=cmake/toolchain-aarch64-linux-gnu.cmake
# Tests and the Catch2 test discovery run under qemu-user (CMAKE_CROSSCOMPILING_EMULATOR).
set(CMAKE_SYSTEM_NAME Linux)
set(CMAKE_SYSTEM_PROCESSOR aarch64)
set(SVKIT_CROSS_TRIPLET aarch64-linux-gnu)
set(CMAKE_C_COMPILER ${SVKIT_CROSS_TRIPLET}-gcc)
set(CMAKE_CXX_COMPILER ${SVKIT_CROSS_TRIPLET}-g++)
# Debian multiarch: the arm64 libraries and their CMake packages live in
# /usr/lib/aarch64-linux-gnu; the host's (/usr/lib/x86_64-linux-gnu) are never searched.
set(CMAKE_LIBRARY_ARCHITECTURE ${SVKIT_CROSS_TRIPLET})
# Programs (ninja, gzip...) are the host's; libraries and headers the target's. Catch2 is
# header-only (Debian's catch2 is Multi-Arch: foreign), found under /usr as for a host build.
set(CMAKE_FIND_ROOT_PATH_MODE_PROGRAM NEVER)
# Run target programs (the tests, catch_discover_tests) with qemu-user. The dynamically
# linked ones (svdeploy, setuidgid, envuidgid, the tests) find the arm64 loader and
# libraries where multiarch installed them (/lib/ld-linux-aarch64.so.1, /usr/lib/aarch64-linux-gnu).
find_program(SVKIT_QEMU_AARCH64 NAMES qemu-aarch64-static qemu-aarch64)
if(SVKIT_QEMU_AARCH64)
  set(CMAKE_CROSSCOMPILING_EMULATOR ${SVKIT_QEMU_AARCH64})
endif()
