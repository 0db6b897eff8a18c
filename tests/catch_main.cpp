// SPDX-License-Identifier: MIT
// Catch2's main, compiled once (it is the slowest translation unit of the tests). A run
// that passed but lacked an anchor (runit, daemontools, s6, root: harness require()) exits
// 77, which ctest reports as Skipped (SKIP_RETURN_CODE); a failing run keeps its code.
#define CATCH_CONFIG_RUNNER
#include <catch2/catch.hpp>

namespace svkit::test {
int missing_requirements();  // tests/harness.cpp
}

int main(int argc, char* argv[]) {
  int rc = Catch::Session().run(argc, argv);
  constexpr int kSkipped = 77;  // harness.hpp kSkippedExitCode
  if (rc == kSkipped) return kSkipped + 1;  // a failure count that happens to be 77
  if (rc == 0 && svkit::test::missing_requirements() > 0) return kSkipped;
  return rc;
}
