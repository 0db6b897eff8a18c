// SPDX-License-Identifier: MIT
// The harness's CI switch: which values of $CI make a missing anchor fail the test.
#include <catch2/catch.hpp>

#include <cstdlib>
#include <optional>
#include <string>

#include "harness.hpp"

TEST_CASE("harness: CI set to a true value makes missing anchors fail", "[harness]") {
  const char* old = std::getenv("CI");
  std::optional<std::string> saved = old ? std::optional<std::string>(old) : std::nullopt;
  struct Case {
    const char* value;  // nullptr = unset
    bool ci;
  };
  for (const auto& c : {Case{nullptr, false}, Case{"", false}, Case{"false", false},
                        Case{"0", false}, Case{"true", true}, Case{"1", true}, Case{"yes", true}}) {
    INFO("CI=" << (c.value ? c.value : "(unset)"));
    if (c.value)
      ::setenv("CI", c.value, 1);
    else
      ::unsetenv("CI");
    CHECK(svkit::test::under_ci() == c.ci);
  }
  if (saved)
    ::setenv("CI", saved->c_str(), 1);
  else
    ::unsetenv("CI");
  CHECK(svkit::test::require(true, "nothing"));
}
