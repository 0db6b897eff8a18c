// SPDX-License-Identifier: MIT
// The README's promises: scripts/demo runs a supervised, logged service and Ctrl-C leaves
// nothing behind; the service templates come up as written.
#include <signal.h>

#include <catch2/catch.hpp>

#include "harness.hpp"

using namespace svkit::test;

namespace {

const std::string kSource = SVKIT_SOURCE_DIR;

fs::path find_demo_dir(const TempDir& tmp) {
  for (auto& e : fs::directory_iterator(tmp.path()))
    if (e.path().filename().string().rfind("svkit-demo.", 0) == 0) return e.path();
  return {};
}

std::string path_with_bin() {
  const char* p = std::getenv("PATH");
  return std::string(SVKIT_BIN_DIR) + ":" + (p ? p : "/usr/bin:/bin");
}

}  // namespace

TEST_CASE("scripts/demo supervises and logs the demo service, Ctrl-C stops it all",
          "[demo][e2e]") {
  TempDir tmp;
  RunOptions opt;
  opt.env["TMPDIR"] = tmp.str();
  Tool demo("/bin/sh", {kSource + "/scripts/demo", "--bin", SVKIT_BIN_DIR}, opt);

  fs::path scratch;
  REQUIRE(eventually(10s, [&] { return !(scratch = find_demo_dir(tmp)).empty(); }));
  auto current = scratch / "sv/demo/log/main/current";
  REQUIRE(eventually(15s, [&] { return read_file(current).find("heartbeat 2") != std::string::npos; }));

  RunOptions sv_opt;
  sv_opt.env["SVDIR"] = (scratch / "service").string();
  auto status = run("sv", {"status", "demo"}, sv_opt);
  CHECK(status.code == 0);
  CHECK(status.out.rfind("run: demo: (pid ", 0) == 0);
  CHECK(status.out.find("; run: log: (pid ") != std::string::npos);

  demo.signal(SIGINT);
  auto code = demo.wait_exit(20s);
  REQUIRE(code);
  CHECK(*code == 0);
  CHECK(demo.out().find("svkit demo: stopped") != std::string::npos);
  CHECK(processes_under(tmp.path()).empty());
  CHECK_FALSE(svkit::test::exists(scratch));
}

TEST_CASE("the example template comes up with its env, account and logger", "[demo][e2e]") {
  TempDir tmp;
  auto svc = tmp / "example";
  fs::create_directory(svc);
  for (const char* rel : {"run", "log", "env", "README"})
    fs::copy(fs::path(kSource) / "service-templates/example" / rel, svc / rel,
             fs::copy_options::recursive);
  // Replace the server by the sigecho test helper; keep the chain loaders as written.
  auto run_text = read_file(svc / "run");
  auto at = run_text.find("/usr/sbin/exampled --foreground");
  REQUIRE(at != std::string::npos);
  run_text.replace(at, std::string("/usr/sbin/exampled --foreground").size(), bin("sigecho"));
  if (!require_root()) {  // only root may change account; keep the rest of the chain
    auto s = run_text.find("setuidgid nobody ");
    run_text.erase(s, std::string("setuidgid nobody ").size());
  }
  write_file(svc / "run", run_text, 0755);

  RunOptions opt;
  opt.env["PATH"] = path_with_bin();
  Tool sup("supervise", {svc.string()}, opt);
  auto current = svc / "log/main/current";
  REQUIRE(eventually(10s, [&] { return read_file(current).find("pid ") != std::string::npos; }));
  auto log = read_file(current);
  auto pid = std::stoi(log.substr(log.find("pid ") + 4));
  auto environ_text = read_file("/proc/" + std::to_string(pid) + "/environ");
  CHECK(environ_text.find(std::string("APP_ENV=production") + '\0') != std::string::npos);
  auto status = read_file("/proc/" + std::to_string(pid) + "/status");
  if (is_root()) CHECK(status.find("Uid:\t65534\t65534\t65534\t65534") != std::string::npos);
  auto limits = read_file("/proc/" + std::to_string(pid) + "/limits");
  CHECK(limits.find("Max open files            1024") != std::string::npos);
}
