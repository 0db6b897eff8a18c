// SPDX-License-Identifier: MIT
// envuidgid side by side with daemontools' (Debian /usr/bin/envuidgid).
#include <catch2/catch.hpp>

#include <unistd.h>

#include "chain_compare.hpp"

using namespace svkit::test;
using namespace svkit::test::chain;

TEST_CASE("envuidgid usage and unknown accounts", "[chain][envuidgid][e2e]") {
  const std::string usage = "envuidgid: usage: envuidgid account child\n";
  struct Case {
    std::vector<std::string> args;
    int code;
    std::string err;
  } cases[] = {
      {{}, 100, usage},
      {{"daemon"}, 100, usage},
      {{"svkit-no-such-user", "true"},
       111,
       "envuidgid: fatal: unknown account svkit-no-such-user\n"},
      {{"1", "true"}, 111, "envuidgid: fatal: unknown account 1\n"},
  };
  for (const auto& c : cases) {
    INFO("args: " << c.args.size());
    auto b = run_both("envuidgid", c.args);
    CHECK(b.ours.code == c.code);
    CHECK(b.ours.err == c.err);
    check_same(b);
  }
}

TEST_CASE("envuidgid sets UID and GID and changes nothing else", "[chain][envuidgid][e2e]") {
  RunOptions opt;
  opt.env = {{"UID", "12345"}, {"SVKIT_MARK", "x"}};
  opt.unset_env = {"GID"};
  auto b = run_both("envuidgid", {"daemon", "/usr/bin/env"}, opt);
  CHECK(b.ours.code == 0);
  CHECK(b.ours.err.empty());
  CHECK(b.ours.out.find("\nGID=1\n") != std::string::npos);
  CHECK(b.ours.out.find("\nUID=1\n") != std::string::npos);
  CHECK(b.ours.out.find("UID=12345") == std::string::npos);
  CHECK(b.ours.out.find("\nSVKIT_MARK=x\n") != std::string::npos);
  check_same(b);  // same entries in the same order

  auto ids = run(bin("envuidgid"), {"nobody", "/bin/sh", "-c", "id -u; echo $UID:$GID"});
  CHECK(ids.out == std::to_string(::geteuid()) + "\n65534:65534\n");  // no identity change
}
