// SPDX-License-Identifier: MIT
// svdeploy's deploy group: a member deploys a service that allows the group (svdeploy
// allow) through supervise's control-group file; anyone else gets "permission denied"
// and nothing changes. Needs root to create the accounts (removed afterwards).
#include <sys/stat.h>
#include <unistd.h>

#include "svdeploy_fixture.hpp"

using namespace deploytest;

namespace {

struct Accounts {
  std::string group, member, outsider;
  bool ok = false;
  Accounts() {
    std::string tag = std::to_string(::getpid());
    group = "svdg" + tag;
    member = "svdin" + tag;
    outsider = "svdout" + tag;
    ok = sh("groupadd " + group + " && useradd -M -N -g " + group + " " + member +
            " && useradd -M -U " + outsider).code == 0;
  }
  ~Accounts() {
    sh("userdel " + member + " 2>/dev/null; userdel " + outsider + " 2>/dev/null; groupdel " +
       group + " 2>/dev/null; groupdel " + outsider + " 2>/dev/null");
  }
};

std::string uid_of(pid_t pid) {
  for (auto& l : split_lines(read_file("/proc/" + std::to_string(pid) + "/status")))
    if (l.rfind("Uid:", 0) == 0) return l.substr(5, l.find('\t', 5) - 5);
  return "";
}

gid_t gid_of(const std::string& group) {
  auto r = sh("getent group " + group + " | cut -d: -f3");
  return static_cast<gid_t>(std::stoul("0" + r.out));
}

}  // namespace

TEST_CASE("svdeploy: the deploy group may deploy services that allow it, nobody else",
          "[svdeploy][e2e]") {
  if (!need_root("creating test accounts")) return;
  Accounts acc;
  REQUIRE(acc.ok);
  Scratch s;
  write_file(s.tmp / "svdeploy.conf", "# svdeploy configuration\ngroup = " + acc.group + "\n");
  s.release("v1", steady());
  s.release("v2", steady());
  s.release("v3", steady());
  auto as = [&](const std::string& user, std::vector<std::string> args) {
    args.insert(args.begin(), {user, bin("svdeploy")});
    auto r = run(bin("setuidgid"), args, s.opts());
    UNSCOPED_INFO(user << " svdeploy " << args.at(2) << " -> " << r.code << "\n" << r.out << r.err);
    return r;
  };
  for (auto v : {"1", "2"})
    REQUIRE(s.deploy({"install", "app", v, (s.src / ("v" + std::string(v))).string(), "--user", "nobody"}).code == 0);
  REQUIRE(s.deploy({"install", "other", "1", (s.src / "v1").string()}).code == 0);
  // The group's code never runs as root: a service without an account of its own is refused.
  auto allow = s.deploy({"allow", "other"});
  CHECK(allow.code == 100);
  CHECK(allow.err == "svdeploy: fatal: other has no account of its own: allow it with --user ACCOUNT "
                     "(what the deploy group installs runs as that account, never as root)\n");
  CHECK_FALSE(svkit::test::exists(s.store / "other/deploy-group"));
  allow = s.deploy({"allow", "app"});
  REQUIRE(allow.code == 0);
  CHECK(allow.out == "app: the deploy group " + acc.group + " may deploy it\n");
  REQUIRE(s.deploy({"activate", "app", "1"}).code == 0);
  REQUIRE(s.deploy({"activate", "other", "1"}).code == 0);

  // supervise opened the control FIFO and status to the group named in control-group.
  auto sd = s.service_dir("app");
  CHECK(read_file(sd / "control-group") == acc.group + "\n");
  struct stat st;
  REQUIRE(::stat((sd / "supervise/control").c_str(), &st) == 0);
  CHECK(st.st_gid == gid_of(acc.group));
  CHECK((st.st_mode & 0777) == 0620);
  REQUIRE(::stat((sd / "supervise").c_str(), &st) == 0);
  CHECK((st.st_mode & 0777) == 0750);
  REQUIRE(::stat((s.service_dir("other") / "supervise/control").c_str(), &st) == 0);
  CHECK((st.st_mode & 0777) == 0600);  // no control-group: runit's modes

  // The service directory stays root's: only svdeploy's generated files run there.
  REQUIRE(::stat(sd.c_str(), &st) == 0);
  CHECK(st.st_uid == 0);
  CHECK((st.st_mode & 0022) == 0);

  // A member: activate, install, status, roll back.
  auto r = as(acc.member, {"activate", "app", "2"});
  CHECK(r.code == 0);
  CHECK(r.err == "");
  CHECK(s.active("app") == "2");
  CHECK(s.state("app").find("activated_by " + acc.member + "\n") != std::string::npos);
  CHECK(eventually(5s, [&] { return s.running_version("app") == "2"; }));
  // The member's release does not switch accounts: it runs as the service's, not as root,
  // and its env/ (LD_PRELOAD...) is applied after the switch, never to a root process.
  CHECK(uid_of(s.pid("app")) == "65534");
  auto wrapper = read_file(sd / "run");
  INFO(wrapper);
  CHECK(wrapper.find("exec '" + bin("setuidgid") + "' 'nobody' '" + bin("envdir") + "' ./env ./run\n") !=
        std::string::npos);
  CHECK(wrapper.find("exec '" + bin("setuidgid") + "' 'nobody' ./run\n") != std::string::npos);
  // Nor can a member put something else in the service directory or choose the account.
  auto sneak = run(bin("setuidgid"), {acc.member, "/bin/sh", "-c",
                                       "printf '#!/bin/sh\\nexec id\\n' > " + (s.tmp / "evil").string() +
                                           " && chmod +x " + (s.tmp / "evil").string() + " && mv " +
                                           (s.tmp / "evil").string() + " " + (sd / "run").string()});
  CHECK(sneak.code != 0);
  CHECK(read_file(sd / "run").find("# Generated by svdeploy") != std::string::npos);
  auto forge = run(bin("setuidgid"), {acc.member, "/bin/sh", "-c",
                                       "cd " + (s.store / "app").string() +
                                           " && echo root > owner.x && mv -f owner.x owner"});
  CHECK(forge.code == 0);  // the directory is the group's ...
  r = as(acc.member, {"activate", "app", "1"});
  CHECK(r.code == 100);  // ... but a file the group wrote there is not trusted
  CHECK(r.err == "svdeploy: fatal: " + (s.store / "app/owner").string() + " is not a file of the owner of " +
                     (s.store / "app").string() + "; not trusted\n");
  CHECK(s.active("app") == "2");
  CHECK(fs::read_symlink(s.store / "app/current").string() == "2");
  CHECK(s.pid("app") > 0);
  REQUIRE(s.deploy({"allow", "app", "--user", "nobody"}).code == 0);  // root repairs it
  CHECK(as(acc.member, {"install", "app", "3", (s.src / "v3").string()}).code == 0);
  r = as(acc.member, {"status", "app"});
  CHECK(r.code == 0);
  CHECK(r.out.rfind("app: 2 up (pid ", 0) == 0);
  CHECK(as(acc.member, {"rollback", "app"}).code == 0);
  CHECK(s.active("app") == "1");
  // ... but not a service that does not allow the group, nor create services.
  r = as(acc.member, {"activate", "other", "2"});
  CHECK(r.code == 100);
  CHECK(r.err == "svdeploy: fatal: permission denied: other does not allow the deploy group " +
                     acc.group + "\n");
  r = as(acc.member, {"new", "mine", "--template", "daemon"});
  CHECK(r.code == 100);
  CHECK(r.err == "svdeploy: fatal: permission denied: only root may do that\n");

  // A service root allowed but never activated: a member installs its first version (the
  // runtime directory is there since allow), the first activation (the link into the scan
  // directory) stays root's.
  REQUIRE(s.deploy({"allow", "fresh", "--user", "nobody"}).code == 0);
  CHECK(fs::is_directory(s.rt / "fresh/data"));
  r = as(acc.member, {"install", "fresh", "1", (s.src / "v1").string()});
  CHECK(r.code == 0);
  CHECK(r.out == "fresh 1: installed\n");
  r = as(acc.member, {"activate", "fresh", "1"});
  CHECK(r.code == 100);
  CHECK(r.err == "svdeploy: fatal: permission denied: fresh is not linked into " + s.scan.string() +
                     " yet, and only its owner may link it (a first activation is root's)\n");
  CHECK_FALSE(svkit::test::exists(s.service_dir("fresh")));
  CHECK_FALSE(svkit::test::exists(s.store / "fresh/.intent"));
  CHECK(s.deploy({"activate", "fresh", "1"}).code == 0);

  // Anyone else: permission denied, nothing changes.
  auto before = s.state("app");
  pid_t running = s.pid("app");
  r = as(acc.outsider, {"activate", "app", "2"});
  CHECK(r.code == 100);
  CHECK(r.err == "svdeploy: fatal: permission denied: you are not in the deploy group " +
                     acc.group + "\n");
  r = as(acc.outsider, {"install", "app", "4", (s.src / "v3").string()});
  CHECK(r.code == 100);
  for (auto args : std::vector<std::vector<std::string>>{
           {"rollback", "app"}, {"remove", "app", "3"}, {"prune", "app", "--keep", "0"}}) {
    r = as(acc.outsider, args);
    CHECK(r.code == 100);
    CHECK(r.err.rfind("svdeploy: fatal: permission denied: ", 0) == 0);
  }
  // Root's own commands stay root's, for members too.
  for (auto args : std::vector<std::vector<std::string>>{
           {"allow", "other"}, {"purge", "app"}, {"install", "app", "5", (s.src / "v3").string(), "--user", "root"}}) {
    r = as(acc.member, args);
    CHECK(r.code == 100);
    CHECK(r.err == "svdeploy: fatal: permission denied: only root may do that\n");
  }
  CHECK(svkit::test::exists(s.store / "app/3"));
  CHECK_FALSE(svkit::test::exists(s.store / "app/5"));
  CHECK(s.state("app") == before);
  CHECK(s.pid("app") == running);
  CHECK_FALSE(svkit::test::exists(s.store / "app/4"));
  // Nor can the outsider go around svdeploy to the control FIFO.
  auto direct = run(bin("setuidgid"), {acc.outsider, "/bin/sh", "-c",
                                        "printf d > " + (sd / "supervise/control").string()});
  CHECK(direct.code != 0);
  CHECK(s.pid("app") == running);
  auto member_svc = run(bin("setuidgid"), {acc.member, bin("svc"), "-d", sd.string()});
  CHECK(member_svc.code == 0);
  CHECK(eventually(5s, [&] { return s.pid("app") == 0; }));
}
