// SPDX-License-Identifier: MIT
// setuidgid side by side with daemontools' (Debian /usr/bin/setuidgid).
// Not tested: a failing setuid() after a successful setgid() (needs a kernel that refuses
// it, e.g. RLIMIT_NPROC with an old kernel); accounts served by NSS modules other than files.
#include <catch2/catch.hpp>

#include "chain_compare.hpp"

using namespace svkit::test;
using namespace svkit::test::chain;

TEST_CASE("setuidgid usage and unknown accounts", "[chain][setuidgid][e2e]") {
  const std::string usage = "setuidgid: usage: setuidgid account child\n";
  struct Case {
    std::vector<std::string> args;
    int code;
    std::string err;
  } cases[] = {
      {{}, 100, usage},
      {{"nobody"}, 100, usage},
      {{"svkit-no-such-user", "true"},
       111,
       "setuidgid: fatal: unknown account svkit-no-such-user\n"},
      {{"65534", "true"}, 111, "setuidgid: fatal: unknown account 65534\n"},  // names only
      {{"-u", "true"}, 111, "setuidgid: fatal: unknown account -u\n"},
      {{"", "true"}, 111, "setuidgid: fatal: unknown account \n"},
  };
  for (const auto& c : cases) {
    INFO("args: " << c.args.size() << (c.args.empty() ? "" : " first " + c.args[0]));
    auto b = run_both("setuidgid", c.args);
    CHECK(b.ours.code == c.code);
    CHECK(b.ours.err == c.err);
    CHECK(b.ours.out.empty());
    check_same(b);
  }
}

TEST_CASE("setuidgid sets uid, gid and the primary group as the only group",
          "[chain][setuidgid][e2e]") {
  REQUIRE_ROOT();  // CI runs as root
  struct Case {
    const char* account;
    std::string want;
  } cases[] = {
      {"nobody", "Uid:\t65534\t65534\t65534\t65534\nGid:\t65534\t65534\t65534\t65534\n"
                 "Groups:\t65534 \n"},
      {"daemon", "Uid:\t1\t1\t1\t1\nGid:\t1\t1\t1\t1\nGroups:\t1 \n"},
      {"root", "Uid:\t0\t0\t0\t0\nGid:\t0\t0\t0\t0\nGroups:\t0 \n"},
  };
  for (const auto& c : cases) {
    INFO("account " << c.account);
    auto b = run_both("setuidgid", {c.account, "/bin/grep", "-E", "^(Uid|Gid|Groups):",
                                    "/proc/self/status"});
    CHECK(b.ours.code == 0);
    CHECK(b.ours.out == c.want);
    CHECK(b.ours.err.empty());
    check_same(b);
  }
}

TEST_CASE("setuidgid leaves the environment and arguments alone", "[chain][setuidgid][e2e]") {
  REQUIRE_ROOT();
  RunOptions opt;
  opt.env["SVKIT_MARK"] = "a b";
  auto direct = run("/usr/bin/env", {}, opt);
  auto b = run_both("setuidgid", {"nobody", "/usr/bin/env"}, opt);
  CHECK(b.ours.code == 0);
  CHECK(b.ours.out == direct.out);
  check_same(b);

  auto args = run_both("setuidgid", {"nobody", "/bin/sh", "-c", "echo \"$0|$*\"", "zero",
                                     "-x", "--", "a b"});
  CHECK(args.ours.out == "zero|-x -- a b\n");
  check_same(args);
}

TEST_CASE("setuidgid run by an ordinary user cannot switch", "[chain][setuidgid][e2e]") {
  if (!can_switch_user()) return;
  for (const char* account : {"daemon", "nobody", "root"}) {
    INFO("account " << account);
    auto b = run_both("setuidgid", {account, "/bin/true"}, {}, as_nobody());
    CHECK(b.ours.code == 111);
    CHECK(b.ours.err == "setuidgid: fatal: unable to setgid: permission denied\n");
    check_same(b);
  }
}
